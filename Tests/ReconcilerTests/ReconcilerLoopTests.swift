import ClusterCache
import ClusterModel
import Foundation
import KubeClient
import Logging
import Reconciler
import Ruleset
import Testing

/// The loop with a recording applier: when it writes, what, and how it recovers.
struct ReconcilerLoopTests {
    let signal = ChangeSignal()
    let cache: ClusterCache
    let applier = RecordingApplier()

    init() {
        cache = ClusterCache(signal: signal, logger: Logger(label: "test"))
    }

    /// Runs the loop until the returned closure is called.
    func start(resync: Duration = .seconds(300)) -> () -> Void {
        var tuning = ReconcilerTuning()
        tuning.resyncInterval = resync
        tuning.retryDelay = .milliseconds(100)
        let reconciler = Reconciler(cache: cache, signal: signal, applier: applier, node: "node-1", tuning: tuning,
                                    logger: Logger(label: "test"))
        let stop = StopToken()
        let thread = WorkerThread { reconciler.run(stop: stop) }
        return {
            stop.stop()
            thread.join()
        }
    }

    func relist<Object>(_ sink: some ReflectorSink<Object>, _ objects: [DecodedObject<Object>]) {
        sink.beginRelist()
        sink.relisted(objects)
        sink.endRelist()
    }

    static func isolated(_ ruleset: Ruleset) -> [String] {
        ruleset.table.sets.filter(\.isVerdictMap).flatMap(\.elements).compactMap { element -> String? in
            guard case .address(let range) = element.key.first else { return nil }
            return range.lower.description
        }.sorted()
    }

    @Test func noWriteUntilEveryKindIsListedThenOneWrite() {
        let stop = start()
        defer { stop() }
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"])])
        Thread.sleep(forTimeInterval: 0.4)
        #expect(applier.applied.isEmpty, "the kernel keeps its table until policies are listed too")
        relist(cache.policySink, [Wire.policy("x", "deny-web", app: "web")])
        #expect(applier.wait(for: 1))
        #expect(Self.isolated(applier.applied[0]) == ["10.0.0.1"])
        Thread.sleep(forTimeInterval: 0.3)
        #expect(applier.applied.count == 1)
    }

    @Test func onlyChangesThatMatterAreWritten() {
        let stop = start()
        defer { stop() }
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"])])
        relist(cache.policySink, [Wire.policy("x", "deny-web", app: "web")])
        #expect(applier.wait(for: 1))
        // A pod on another node that no policy selects or names changes nothing.
        cache.podSink.upsert(Wire.pod("x", "far", ip: "10.0.9.9", node: "node-2"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(applier.applied.count == 1)
        // A burst of changes: the last state wins, in few writes.
        for index in 2...20 { cache.podSink.upsert(Wire.pod("x", "w\(index)", ip: "10.0.0.\(index)", labels: ["app": "web"])) }
        cache.policySink.delete(Wire.policy("x", "deny-web", app: "web"))
        cache.policySink.upsert(Wire.policy("x", "deny-web-2", app: "web"))
        #expect(applier.wait(for: 2))
        let deadline = ContinuousClock.now + .seconds(5)
        while Self.isolated(applier.applied.last!).count != 20 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(Self.isolated(applier.applied.last!).count == 20)
        #expect(applier.applied.count < 22, "changes coalesce")
    }

    @Test func failedWriteIsRetried() {
        applier.failNext(2)
        let stop = start()
        defer { stop() }
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"])])
        relist(cache.policySink, [Wire.policy("x", "deny-web", app: "web")])
        #expect(applier.wait(for: 1))
        #expect(Self.isolated(applier.applied[0]) == ["10.0.0.1"])
    }

    @Test func resyncAppliesAgainForDriftRepair() {
        let stop = start(resync: .milliseconds(200))
        defer { stop() }
        relist(cache.namespaceSink, [])
        relist(cache.podSink, [])
        relist(cache.policySink, [])
        #expect(applier.wait(for: 3))
        #expect(Set(applier.applied).count == 1)
    }
}
