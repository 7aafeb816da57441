import ClusterCache
import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import Reconciler
import Synchronization
import Testing
import TestSupport

/// Discovery of ClusterNetworkPolicies against the fake API server: absent, installed while the agent
/// runs, and deleted again.
struct ClusterPolicyWatchTests {
    /// What the watch reported: the API's availability and its log lines.
    final class Record: Sendable {
        let available = Mutex<[Bool]>([])
        let log = LogLines()

        var hooks: SyncHooks {
            var hooks = SyncHooks()
            hooks.clusterPolicyAPIAvailable = { [self] value in available.withLock { $0.append(value) } }
            return hooks
        }

        var logger: Logger { log.logger }
    }

    /// A fake API server (`arguments`: with the CRD or not), a cache, and the watch running.
    final class Fixture {
        let directory = NSTemporaryDirectory() + "cnp-watch-" + UUID().uuidString
        let server: FakeAPIServer
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))
        let record = Record()
        private let stop = StopToken()
        private var thread: WorkerThread?

        init(arguments: [String] = [], recheck: Duration = .milliseconds(200), absence: Duration = .milliseconds(300)) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--kubeconfig-out", "\(directory)/kubeconfig",
                                                   "--bookmark-interval", "0.2"] + arguments, log: "\(directory)/apiserver.log")
            var tuning = ClusterPolicyTuning()
            tuning.recheckInterval = recheck
            tuning.absenceConfirmation = absence
            let watch = ClusterPolicyWatch(connection: try KubeconfigLoader.load(paths: ["\(directory)/kubeconfig"]), cache: cache,
                                           tuning: tuning, hooks: record.hooks, logger: record.logger)
            thread = WorkerThread { [stop] in watch.run(stop: stop) }
            relist(cache.namespaceSink, [])
            relist(cache.podSink, [])
            relist(cache.policySink, [])
        }

        deinit {
            stop.stop()
            thread?.join()
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Drains the cache until `condition` holds for the ClusterNetworkPolicy changes drained so far.
        func drained(within timeout: Duration = .seconds(5), until condition: ([String]) -> Bool) -> Bool {
            var seen: [String] = []
            return eventually(within: timeout) {
                seen += cache.drainChanges().map { CacheTests.names($0.clusterPolicies) { $0.name } } ?? []
                return condition(seen)
            }
        }
    }

    static var spec: [String: Any] { ["tier": "Admin", "priority": 10, "subject": ["namespaces": [:] as [String: Any]]] }

    @Test func absentThenInstalledThenDeleted() throws {
        let fixture = try Fixture()
        let (server, record) = (fixture.server, fixture.record)
        #expect(eventually { record.available.withLock { $0 } == [false] }, "the gauge goes to 0 once discovery answers")
        #expect(try eventually { try server.requestCounts()["discovery", default: 0] >= 2 }, "discovery is asked again")
        #expect(try server.requestCounts().keys.filter { $0.hasSuffix(":clusternetworkpolicies") }.isEmpty, "no reflector")
        #expect(record.log.lines.filter { $0.contains("are not served") }.count == 1, "logged once")

        try server.serveClusterPolicies(true)
        try server.applyClusterPolicy("deny-x", spec: Self.spec)
        #expect(fixture.drained { $0 == ["+deny-x"] }, "the policy arrives without a restart")
        #expect(record.available.withLock { $0 } == [false, true])

        try server.serveClusterPolicies(false)
        #expect(fixture.drained { $0 == ["-deny-x"] }, "removed with the CRD")
        #expect(record.available.withLock { $0 } == [false, true, false])
        #expect(record.log.lines.contains { $0.contains("no longer served") && $0.contains("removed 1 ClusterNetworkPolicies") })
    }

    /// The CNP watch ending and its next request answering 404 make the agent ask discovery at once,
    /// not at the next periodic check (here ten minutes away).
    @Test func aDeletedCRDIsNoticedThroughTheWatchBeforeTheNextCheck() throws {
        let fixture = try Fixture(arguments: ["--policy-api", "v1alpha2"], recheck: .seconds(600))
        try fixture.server.applyClusterPolicy("deny-x", spec: Self.spec)
        #expect(fixture.drained { $0 == ["+deny-x"] })
        try fixture.server.serveClusterPolicies(false)
        #expect(fixture.drained { $0 == ["-deny-x"] }, "removed with the CRD")
        #expect(fixture.record.available.withLock { $0 } == [true, false])
    }

    /// A restarting kube-apiserver answers 404 for a CRD's group until its CRD handlers have synced:
    /// a "not served" that ends within `absenceConfirmation` must not take the rules away.
    @Test func aBriefNotServedKeepsTheRules() throws {
        let fixture = try Fixture(arguments: ["--policy-api", "v1alpha2"], absence: .seconds(3))
        let server = fixture.server
        try server.applyClusterPolicy("deny-x", spec: Self.spec)
        #expect(fixture.drained { $0 == ["+deny-x"] })
        let absent = ContinuousClock.now
        try server.serveClusterPolicies(false)
        #expect(eventually { fixture.record.log.lines.contains { $0.contains("their rules stay unless that lasts") } })
        try server.serveClusterPolicies(true)
        try server.applyClusterPolicy("deny-x", spec: Self.spec)  // the fake server's re-added CRD starts empty
        let asked = try server.requestCounts()["discovery", default: 0]
        // Past the confirmation, with discovery asked again since the CRD came back: nothing was withdrawn.
        let confirmedPast = try eventually(within: .seconds(10)) {
            let askedAgain = try server.requestCounts()["discovery", default: 0] > asked
            return askedAgain && ContinuousClock.now - absent > .seconds(4)
        }
        #expect(confirmedPast)
        #expect(!fixture.drained(within: .milliseconds(500)) { $0.contains("-deny-x") }, "the rules stayed")
        #expect(fixture.record.available.withLock { $0 } == [true])
    }
}
