import ClusterModel
import Foundation
import NetnsLab
import Reconciler
import Ruleset
import Synchronization
import Testing
import TestSupport

/// The loop with a recording applier: when it writes, what, and how it recovers. "Nothing was written"
/// is asserted after the loop has provably seen the change (two more turns), never after a sleep.
struct ReconcilerLoopTests {
    let loop = LoopHarness()
    let applier = RecordingApplier()

    static func isolated(_ ruleset: Ruleset) -> [String] {
        ruleset.table.sets.filter(\.isVerdictMap).flatMap(\.elements).compactMap { element -> String? in
            guard case .address(let range) = element.key.first else { return nil }
            return range.lower.description
        }.sorted()
    }

    @Test func noWriteUntilEveryKindIsListedThenOneWrite() {
        let stop = loop.start(applier: applier)
        defer { stop() }
        relist(loop.cache.namespaceSink, [Wire.namespace("x")])
        relist(loop.cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"])])
        #expect(loop.settle())
        #expect(applier.applied.isEmpty, "the kernel keeps its table until policies are listed too")
        relist(loop.cache.policySink, [Wire.policy("x", "deny-web", app: "web")])
        #expect(applier.wait(for: 1))
        #expect(Self.isolated(applier.applied[0]) == ["10.0.0.1"])
        #expect(loop.settle())
        #expect(applier.applied.count == 1)
    }

    /// Benchmarks read the agent's memory at this line: said once, when the first sync is in the kernel
    /// and memory given back; not for a refused write, nor for later ones. It counts what the first
    /// write held, not a pod that reached the cache while that write was under way.
    @Test func theFirstWriteSaysTheSyncIsInTheKernelOnce() {
        let log = LogLines()
        applier.refuseAlways()
        let stop = loop.start(applier: applier, logger: log.logger)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(eventually { applier.attempts.count >= 2 })
        #expect(!log.lines.contains { $0.contains("synced:") }, "nothing is in the kernel yet")
        applier.close()
        #expect(eventually { applier.isHeld }, "a retry is under way")
        applier.failNext(0)
        loop.cache.podSink.upsert(Wire.pod("x", "b", ip: "10.0.0.2", labels: ["app": "web"]))
        applier.open()
        #expect(applier.wait(for: 2))
        #expect(loop.settle())
        let synced = log.lines.filter { $0.contains("synced:") }
        #expect(synced.count == 1)
        #expect(synced.first.map { $0.hasPrefix("info: synced: 1 pods, 1 policies, 1 namespaces in the table; memory trimmed, ") } == true,
                "\(synced)")
    }

    @Test func changesThatChangeNothingAreNotWritten() {
        let stop = loop.start(applier: applier)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(applier.wait(for: 1))
        // A pod on another node that no policy selects or names changes nothing.
        loop.cache.podSink.upsert(Wire.pod("x", "far", ip: "10.0.9.9", node: "node-2"))
        #expect(loop.settle())
        #expect(applier.applied.count == 1)
    }

    /// Failure mode: a loop writing once per change (or per few) instead of once per pile of changes.
    /// While one write is held in the applier, 21 changes arrive: they must all go out in one write.
    @Test func changesArrivingDuringAWriteGoOutInOneWrite() {
        let stop = loop.start(applier: applier)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(applier.wait(for: 1))
        applier.close()
        loop.cache.podSink.upsert(Wire.pod("x", "w1", ip: "10.0.0.101", labels: ["app": "web"]))
        #expect(eventually { applier.isHeld }, "the write of the first change is under way")
        for index in 2...20 { loop.cache.podSink.upsert(Wire.pod("x", "w\(index)", ip: "10.0.0.\(100 + index)", labels: ["app": "web"])) }
        loop.cache.policySink.delete(Wire.policy("x", "deny-web", app: "web"))
        loop.cache.policySink.upsert(Wire.policy("x", "deny-web-2", app: "web"))
        applier.open()
        #expect(applier.wait(for: 3))
        #expect(loop.settle())
        #expect(applier.applied.count == 3, "first sync, the held write, then one write for the 21 changes")
        #expect(Self.isolated(applier.applied[2]).count == 21)
    }

    @Test func failedWriteIsRetried() {
        applier.failNext(2)
        let stop = loop.start(applier: applier)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(applier.wait(for: 1))
        #expect(applier.attempts.count == 3)
        #expect(Self.isolated(applier.applied[0]) == ["10.0.0.1"])
    }

    /// Real drift: the agent's table is changed behind its back with `nft` in a lab node, and the
    /// periodic resync puts it back.
    @Test func resyncRepairsATableChangedBehindTheAgentsBack() throws {
        let lab = try Lab(nodes: 1, pods: [])
        defer { lab.destroy() }
        let kernel = try KernelApplier(tableName: "netpol-agent", netns: lab.nodeNamespace(1))
        var tuning = LoopHarness.fastRetries
        tuning.resyncInterval = .milliseconds(300)
        let stop = loop.start(applier: kernel, tuning: tuning)
        defer { stop() }
        loop.listIsolatedPod()
        let list = ["nft", "list", "table", "inet", "netpol-agent"]
        #expect(eventually { (try? lab.run(inNode: 1, list))?.status == 0 }, "the first sync programs the table")
        let programmed = try lab.run(inNode: 1, list).stdout
        #expect(programmed.contains("10.0.0.1"))

        #expect(try lab.run(inNode: 1, ["nft", "flush", "table", "inet", "netpol-agent"]).status == 0)
        #expect(try lab.run(inNode: 1, list).stdout != programmed, "the rules were flushed")
        #expect(try eventually { try lab.run(inNode: 1, list).stdout == programmed }, "the resync restores the flushed rules")

        #expect(try lab.run(inNode: 1, ["nft", "delete", "table", "inet", "netpol-agent"]).status == 0)
        #expect(try eventually { try lab.run(inNode: 1, list).stdout == programmed }, "the resync restores the deleted table")
    }
}
