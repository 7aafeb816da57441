import Foundation
import Glibc
import Logging
import Observability
import ServiceLifecycle
import Testing

/// The endpoints over real HTTP on 127.0.0.1, on a port the kernel picks.
@Suite struct ServerEndpointTests {
    let clock = ManualClock()
    let metrics = AgentMetrics()
    let health: HealthState

    init() {
        health = HealthState(thresholds: HealthThresholds(applyFailure: .seconds(60), apiUnreachable: .seconds(300)),
                             now: { [clock] in clock.now })
    }

    private func withServer(_ body: (Int) async throws -> Void) async throws {
        let server = ObservabilityServer(address: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, health: health)
        let running = try await offPool { try server.startInBackground() }
        do {
            try await body(running.port)
        } catch {
            _ = try await offPool { running.shutdown() }
            throw error
        }
        _ = try await offPool { running.shutdown() }
    }

    @Test func metricsServesTheRegistryAndMovesWithTheFacade() async throws {
        try await withServer { port in
            let before = try await httpGet(port: port, path: "/metrics")
            #expect(before.status == 200)
            #expect(before.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(before.body.contains("# TYPE netpol_agent_apply_duration_seconds histogram"))
            #expect(samples(before.body)[#"netpol_agent_apply_duration_seconds_count{mode="full"}"#] == 0)

            metrics.recordApply(.full, duration: .milliseconds(3))
            metrics.publishPolicyCounters([(policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .denied, packets: 7, bytes: 420)])

            let after = samples(try await httpGet(port: port, path: "/metrics").body)
            #expect(after[#"netpol_agent_apply_duration_seconds_count{mode="full"}"#] == 1)
            #expect(after[#"netpol_agent_apply_duration_seconds_bucket{mode="full",le="0.0025"}"#] == 0)
            #expect(after[#"netpol_agent_apply_duration_seconds_bucket{mode="full",le="0.005"}"#] == 1)
            #expect(after[#"netpol_agent_apply_duration_seconds_sum{mode="full"}"#] == 0.003)
            #expect(after[#"netpol_agent_apply_duration_seconds_count{mode="incremental"}"#] == 0)
            #expect(after[#"netpol_agent_policy_packets_total{namespace="prod",policy="web",tier="NetworkPolicy",direction="ingress",verdict="denied"}"#] == 7)
        }
    }

    @Test func readyzFailsUntilTheFirstFullSync() async throws {
        try await withServer { port in
            let before = try await httpGet(port: port, path: "/readyz")
            #expect(before.status == 503)
            #expect(before.body == "first full sync not applied yet\n")

            health.fullSyncCompleted()
            let after = try await httpGet(port: port, path: "/readyz")
            #expect(after.status == 200)
            #expect(after.body == "ok\n")
        }
    }

    @Test func healthzFailsAfterKernelFailuresOutlastTheThresholdAndRecovers() async throws {
        try await withServer { port in
            #expect(try await httpGet(port: port, path: "/healthz").status == 200)
            health.applyFailed("netlink: Operation not permitted")
            clock.advance(by: .seconds(59))
            #expect(try await httpGet(port: port, path: "/healthz").status == 200)

            clock.advance(by: .seconds(2))
            let failing = try await httpGet(port: port, path: "/healthz")
            #expect(failing.status == 503)
            #expect(failing.body == "programming the kernel has failed for 61s: netlink: Operation not permitted\n")

            health.applySucceeded()
            #expect(try await httpGet(port: port, path: "/healthz").status == 200)
        }
    }

    @Test func healthzFailsAfterTheAPIIsUnreachableBeyondTheThresholdAndRecovers() async throws {
        try await withServer { port in
            health.apiFailed(resource: "pods", error: "connection refused")
            health.apiSucceeded(resource: "namespaces")  // another resource answering does not hide it
            clock.advance(by: .seconds(301))
            let failing = try await httpGet(port: port, path: "/healthz")
            #expect(failing.status == 503)
            #expect(failing.body == "API server unreachable for pods for 301s: connection refused\n")

            health.apiSucceeded(resource: "pods")
            #expect(try await httpGet(port: port, path: "/healthz").body == "ok\n")
        }
    }

    @Test func unknownPathsAre404() async throws {
        try await withServer { port in
            let reply = try await httpGet(port: port, path: "/debug")
            #expect(reply.status == 404)
        }
    }

    @Test func shutdownClosesTheListener() async throws {
        let server = ObservabilityServer(address: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, health: health)
        let running = try await offPool { try server.startInBackground() }
        #expect(try await httpGet(port: running.port, path: "/healthz").status == 200)
        _ = try await offPool { running.shutdown() }
        await #expect(throws: SocketError.self) { try await httpGet(port: running.port, path: "/healthz") }
        _ = try await offPool { running.shutdown() }  // a second call returns
    }

    @Test func aPortInUseFailsTheStart() async throws {
        let first = try await offPool { [metrics, health] in
            try ObservabilityServer(address: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, health: health).startInBackground()
        }
        let clash = ObservabilityServer(address: ListenAddress(host: "127.0.0.1", port: first.port), metrics: metrics, health: health)
        await #expect(throws: (any Error).self) { _ = try await offPool { try clash.startInBackground() } }
        _ = try await offPool { first.shutdown() }
    }

    @Test func runsAsAServiceAndStopsOnGracefulShutdown() async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = ObservabilityServer(address: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, health: health,
                                         onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(try await httpGet(port: port, path: "/healthz").status == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
