import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import Testing

/// The client against the fake API server on loopback, over TLS with a bearer token.
struct FakeServerClientTests {
    static func pod(_ name: String, ip: String = "10.0.0.1") -> [String: Any] {
        ["kind": "Pod", "apiVersion": "v1",
         "metadata": ["name": name, "namespace": "default", "labels": ["app": "web"]],
         "spec": ["nodeName": "node-1", "containers": [["name": "c"]]],
         "status": ["phase": "Running", "podIP": ip]]
    }

    /// A TLS server with a token, and a connection from the kubeconfig it wrote.
    static func start(_ directory: TemporaryDirectory, _ extra: [String] = [], listen: String = "127.0.0.1:0") throws
        -> (FakeAPIServer, ClusterConnection) {
        let server = try FakeAPIServer(
            arguments: ["--listen", listen, "--tls-dir", directory.path, "--kubeconfig-out", "\(directory.path)/kubeconfig",
                        "--bookmark-interval", "0.5"] + (extra.contains("--token-file") ? [] : ["--token", "t0k3n"]) + extra,
            log: "\(directory.path)/apiserver.log")
        return (server, try KubeconfigLoader.load(paths: ["\(directory.path)/kubeconfig"]))
    }

    /// Runs a pod reflector on its own thread until the returned closure is called.
    static func reflect(_ connection: ClusterConnection, into sink: RecordingSink<PodObject>,
                        tuning: ReflectorTuning = ReflectorTuning(), hooks: ReflectorHooks = ReflectorHooks()) -> () -> Void {
        let stop = StopToken()
        let reflector = Reflector(PodsResource.self, connection: connection, sink: sink, tuning: tuning, hooks: hooks,
                                  logger: Logger(label: "test"))
        let thread = WorkerThread { reflector.run(stop: stop) }
        return {
            stop.stop()
            thread.join()
        }
    }

    @Test func listFollowsContinueTokens() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        for index in 0..<1203 { try server.apply(Self.pod("p\(index)")) }
        let client = try APIClient(connection: connection)
        var token: String?
        var names: [String] = []
        var pages = 0
        repeat {
            let page = try client.list(PodsResource.self, limit: 500, continue: token)
            names += page.items.compactMap { $0.metadata.name }
            token = page.continueToken
            pages += 1
        } while token != nil
        #expect(pages == 3)
        #expect(Set(names).count == 1203)
        #expect(try server.requestCounts()["list:pods"] == 3)
    }

    @Test func droppedWatchesResumeWithAWatchNotAList() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        try server.apply(Self.pod("a"))
        let sink = RecordingSink<PodObject>()
        let stop = Self.reflect(connection, into: sink)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["a"] })

        let faults: [[String: Any]] = [["op": "drop-watches"], ["op": "drop-watches", "rst": true], ["op": "half-line"], ["op": "close-watches"]]
        for (index, command) in faults.enumerated() {
            #expect(sink.wait { _ in (try? server.send(["op": "stats"])["openWatches"] as? [String: Int])??["pods"] == 1 })
            try server.send(command)
            try server.apply(Self.pod("after-\(index)"))
            #expect(sink.wait { $0.names.contains("after-\(index)") }, "\(command)")
        }
        try server.delete(kind: "Pod", namespace: "default", name: "a")
        #expect(sink.wait { !$0.names.contains("a") })
        let counts = try server.requestCounts()
        #expect(counts["watchlist:pods"] == 1 && counts["list:pods"] == nil, "\(counts)")
        #expect((counts["watch:pods"] ?? 0) >= 4, "\(counts)")
        #expect(sink.relists == 1)
    }

    /// The watch falls behind the server's history: 410, then a LIST that drops what vanished.
    @Test func compactionForcesARelistThatDropsVanishedObjects() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        for name in ["a", "b", "c"] { try server.apply(Self.pod(name)) }
        let sink = RecordingSink<PodObject>()
        let stop = Self.reflect(connection, into: sink, tuning: .fast)
        defer { stop() }
        #expect(sink.wait { $0.names == ["a", "b", "c"] })
        #expect(sink.wait { _ in (try? server.send(["op": "stats"])["openWatches"] as? [String: Int])??["pods"] == 1 })

        // Keep the reflector away while the history it needs is compacted.
        try server.send(["op": "fail", "status": 500, "count": 3, "verb": "watch", "resource": "pods"])
        try server.send(["op": "drop-watches"])
        try server.delete(kind: "Pod", namespace: "default", name: "b")
        try server.apply(Self.pod("d"))
        try server.send(["op": "compact"])
        #expect(sink.wait { $0.relists == 2 && $0.names == ["a", "c", "d"] })
        #expect(try server.requestCounts()["watchlist:pods"] == 2)
    }

    @Test func serverErrorsAtStartAreRetried() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        try server.apply(Self.pod("a"))
        try server.send(["op": "fail", "status": 500, "count": 3, "verb": "list", "resource": "pods"])
        let sink = RecordingSink<PodObject>()
        let started = ContinuousClock.now
        var tuning = ReflectorTuning.fast
        tuning.useWatchList = false
        let stop = Self.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["a"] })
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try server.requestCounts()["list:pods"] == 4)
    }

    /// Nothing listens at first; after a short outage (two failed attempts) the agent is in sync
    /// within the third backoff step of the server answering (client-go's [1.6, 3.2) s, doubled for
    /// a third attempt that races the server's start).
    @Test func refusedConnectionsAtStartAreRetried() throws {
        let directory = try TemporaryDirectory()
        // Learn a free port and the kubeconfig from a first run, then leave the port closed for a while.
        let (probe, connection) = try Self.start(directory)
        let address = String(probe.ready.url.dropFirst("https://".count))
        probe.stop()
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        let stop = Self.reflect(connection, into: sink, hooks: failures.hooks)
        defer { stop() }
        // Attempts fail and are retried while nothing listens (counted, not slept through).
        #expect(failures.wait { $0.count >= 2 }, "\(failures.all)")
        #expect(failures.all.allSatisfy { $0.hasPrefix("pods: ") && $0.contains("curl error 7") }, "\(failures.all)")
        #expect(sink.relists == 0)
        let (server, _) = try Self.start(directory, listen: address)
        defer { server.stop() }
        let answering = ContinuousClock.now
        #expect(sink.wait { $0.relists == 1 })
        #expect(ContinuousClock.now - answering < Backoff.reflector.nominal(after: 2) * 2)
    }

    /// The token file rotates: the server refuses the old token, the client reads the file again.
    @Test func rotatedTokenFileIsReadAgainAfter401() throws {
        let directory = try TemporaryDirectory()
        let tokenFile = "\(directory.path)/token"
        try "first".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let (server, connection) = try Self.start(directory, ["--token-file", tokenFile])
        defer { server.stop() }
        #expect(connection.token?.origin == .file(path: tokenFile, fallback: nil))
        let sink = RecordingSink<PodObject>()
        let stop = Self.reflect(connection, into: sink)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })

        try "second".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try server.send(["op": "drop-watches"])
        try server.apply(Self.pod("after-rotation"))
        #expect(sink.wait { $0.names.contains("after-rotation") })
        #expect(try server.requestCounts()["watchlist:pods"] == 1)
    }

    @Test func serverCertificateIsVerified() throws {
        let directory = try TemporaryDirectory(), other = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        let (otherServer, otherConnection) = try Self.start(other)
        otherServer.stop()

        #expect(throws: Never.self) { try APIClient(connection: connection).list(PodsResource.self, limit: 10, continue: nil) }
        var wrongCA = connection
        wrongCA.tls.certificateAuthority = otherConnection.tls.certificateAuthority
        let error = #expect(throws: APIError.self) { try APIClient(connection: wrongCA).list(PodsResource.self, limit: 10, continue: nil) }
        guard case .transport(let transport) = error else { Issue.record("expected a TLS failure, got \(String(describing: error))"); return }
        #expect(transport.isCertificateFailure, "\(transport)")
        // No CA named trusts nothing: a certificate failure, not some other error.
        var noCA = connection
        noCA.tls.certificateAuthority = nil
        let untrusted = #expect(throws: APIError.self) { try APIClient(connection: noCA).list(PodsResource.self, limit: 10, continue: nil) }
        guard case .transport(let refusal) = untrusted else { Issue.record("expected a TLS failure, got \(String(describing: untrusted))"); return }
        #expect(refusal.isCertificateFailure, "\(refusal)")
        // Only an explicit insecure-skip-tls-verify accepts it.
        wrongCA.tls.verifyServer = false
        #expect(throws: Never.self) { try APIClient(connection: wrongCA).list(PodsResource.self, limit: 10, continue: nil) }
    }

    @Test func wrongTokenIsAnAuthorizationError() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        var wrong = connection
        wrong.token = TokenSource(.fixed("nope"))
        let error = #expect(throws: APIError.self) { try APIClient(connection: wrong).list(PodsResource.self, limit: 10, continue: nil) }
        guard case .status(let code, let status) = error else { Issue.record("expected 401"); return }
        #expect(code == 401 && status?.code == 401)
    }

    /// The server ends each watch at its timeoutSeconds; the reflector renews it from its resource version.
    @Test func serverSideTimeoutsAreRenewed() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        let sink = RecordingSink<PodObject>()
        var tuning = ReflectorTuning()
        tuning.watchTimeout = 1...1
        let stop = Self.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        // The WatchList and a watch ended at the server's 1 s timeout and were renewed (awaited, not slept through).
        #expect(sink.wait { _ in ((try? server.requestCounts())?["watch:pods"] ?? 0) >= 2 })
        try server.apply(Self.pod("late"))
        #expect(sink.wait { $0.names.contains("late") })
        let counts = try server.requestCounts()
        #expect(counts["watchlist:pods"] == 1 && counts["list:pods"] == nil && (counts["watch:pods"] ?? 0) >= 2, "\(counts)")
    }

    /// A watch that goes silent (no bookmark either) is given up and resumed.
    @Test func stalledWatchIsResumed() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Self.start(directory)
        defer { server.stop() }
        let sink = RecordingSink<PodObject>()
        var tuning = ReflectorTuning()
        tuning.stalled = .seconds(1)
        let stop = Self.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        #expect(sink.wait { _ in (try? server.send(["op": "stats"])["openWatches"] as? [String: Int])??["pods"] == 1 })
        try server.send(["op": "stall-watches"])
        try server.apply(Self.pod("after-stall"))
        // libcurl's low-speed check runs ~6 s late.
        #expect(sink.wait(timeout: .seconds(15)) { $0.names.contains("after-stall") })
        #expect(try server.requestCounts()["watchlist:pods"] == 1)
    }
}

extension ReflectorTuning {
    /// Short backoff steps, for tests about what is retried rather than when.
    static var fast: ReflectorTuning {
        var tuning = ReflectorTuning()
        tuning.backoff = Backoff(initial: .milliseconds(50), cap: .milliseconds(200))
        return tuning
    }
}
