import Foundation
import KubeClient
import NftNetlink
import Reconciler
import Ruleset
import Synchronization
import Testing
import TestSupport

/// nf_tables notifications on a real kernel: commits to other tables cost the agent nothing, its own
/// commits leave no trace, and a foreign change to its table is undone from the notifications within
/// a second, with counters counting on.
@Suite struct NotificationKernelTests {
    /// A neighbour commits between every two applies: each apply is a delta with no read-back (without
    /// notifications, each would read the table back: `commitsByOthersStillAllowDeltas`).
    @Test func busyNeighbourCostsNoReadBack() throws {
        var generator = RandomRuleset(seed: 7)
        var ruleset = generator.ruleset()
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "rnd", netns: namespaces[0].name)
            try programmer.listen()
            #expect(try programmer.apply(ruleset).readBack == .firstApply)
            let neighbour = try Neighbour(netns: namespaces[0].name)
            // A table of the agent's name in another family is not the agent's table.
            try namespaces[0].nft(["add", "table", "ip", "rnd"])
            try namespaces[0].nft(["add", "chain", "ip", "rnd", "c"])
            for _ in 0..<10 {
                try neighbour.commit()
                ruleset = generator.mutate(ruleset)
                let report = try programmer.apply(ruleset)
                #expect(report.kind == .delta && report.readBack == nil, "\(report.kind), read back: \(String(describing: report.readBack))")
            }
            let ledger = try #require(programmer.listener).drain()
            #expect(ledger.foreign.isEmpty && ledger.tainted == nil)
            #expect(try programmer.readBack()?.normalized == ruleset.normalized)
        }
    }

    /// A neighbour commits as fast as it can while the resync reads a 10k-element table back: every
    /// dump is interrupted (the generation moves), yet none of the commits touched the agent's table,
    /// so the read stands. Without notifications the read restarts until it gives up ("kept changing").
    @Test func resyncReadsBackWhileANeighbourKeepsCommitting() throws {
        let elements = (0..<5_000).map { SetElement(key: [.address(.v4(0x0a00_0000 + UInt32($0)))]) }
        let ruleset = Ruleset(table: Table(family: .inet, name: "big", sets: (0..<2).map { NamedSet(name: "s\($0)", keyType: [.ipv4Address], elements: elements) }))
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "big", netns: namespaces[0].name)
            try programmer.listen()
            try programmer.apply(ruleset)
            let stop = Atomic(false), commits = Atomic(0)
            let name = namespaces[0].name
            let neighbour = Thread {
                guard let neighbour = try? Neighbour(netns: name) else { return }
                while !stop.load(ordering: .relaxed), (try? neighbour.commit()) != nil { commits.add(1, ordering: .relaxed) }
            }
            neighbour.start()
            defer { stop.store(true, ordering: .relaxed) }
            #expect(eventually { commits.load(ordering: .relaxed) > 10 }, "the neighbour commits")
            let report = try programmer.apply(ruleset)
            #expect(report.readBack == .resync && report.kind == .unchanged)
        }
    }

    /// The agent's own commits never reach the ledger: a 100k-element full replace, dropped in the
    /// kernel by the filter, and a 10k-element one with the filter off, skipped by port id.
    @Test(arguments: [(100_000, true), (10_000, false)])
    func ownCommitsLeaveTheLedgerClean(elements: Int, filtered: Bool) throws {
        let set = NamedSet(name: "pods", keyType: [.ipv4Address], elements: (0..<elements).map { SetElement(key: [.address(.v4(0x0a00_0000 + UInt32($0)))]) })
        let ruleset = Ruleset(table: Table(family: .inet, name: "own", sets: [set]))
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "own", netns: namespaces[0].name)
            let listener = try programmer.listen(filtersOwnMessages: filtered)
            #expect(try programmer.apply(ruleset).kind == .full)
            let ledger = listener.drain()
            #expect(ledger.foreign.isEmpty)
            #expect(ledger.tainted == nil && ledger.losses == 0, "\(ledger.tainted ?? "")")
        }
    }

    /// A receive buffer far too small for a neighbour's 5,000-element commit: notifications are lost,
    /// a foreign rule in the agent's table with them. The next apply reads back and repairs; the one
    /// after trusts notifications again.
    @Test func lostNotificationsCostOneReadBack() throws {
        let ruleset = try ExampleCluster.ruleset()
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0]
            let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name)
            try programmer.listen(receiveBuffer: 4096)
            try programmer.apply(ruleset)
            let elements = (0..<5_000).map { "10.1.\($0 / 250).\($0 % 250)" }.joined(separator: ", ")
            try namespace.nft(["-f", "-"], input: "table ip other {\n set s {\n type ipv4_addr\n elements = { \(elements) }\n }\n}\n"
                               + "add rule inet \(ruleset.table.name) forward_hook accept\n")
            let report = try programmer.apply(ruleset)
            #expect(report.readBack == .notificationsLost)
            #expect(report.kind == .full)
            #expect(try programmer.readBack()?.normalized == ruleset.normalized)
            try Neighbour(netns: namespace.name).commit()
            let next = try programmer.apply(ruleset)
            #expect(next.readBack == .resync, "the same ruleset again is checked")
            var changed = ruleset
            let map = try #require(changed.table.sets.firstIndex { $0.name == "ingress_v4" })
            changed.table.sets[map].elements.insert(SetElement(key: [.address(.v4(0x0a63_0001))], verdict: .accept))
            #expect(try programmer.apply(changed).readBack == nil)
        }
    }

    /// The agent as it runs: KernelApplier with notifications and its repair thread. Each foreign
    /// change is gone within 1 s, undone from its notification (no read-back) with the `probe`
    /// counter still counting; the table deleted or made dormant is replaced whole.
    @Test func foreignChangesAreUndoneWithinOneSecond() throws {
        let ruleset = try ExampleCluster.probedRuleset()
        let table = ruleset.table.name
        let element = try #require(ruleset.table.sets.first { $0.name == "ingress_v4" }?.elements.first)
        guard case .address(let address) = element.key[0] else { Issue.record("no address key"); return }
        let targeted: [(String, [String])] = [
            ("foreign rule", ["add", "rule", "inet", table, "forward_hook", "accept"]),
            ("foreign element", ["add", "element", "inet", table, "ingress_v4", "{ 10.99.0.1 : accept }"]),
            ("deleted element", ["delete", "element", "inet", table, "ingress_v4", "{ \(address.lower) }"]),
            ("flushed chain", ["flush", "chain", "inet", table, "forward_hook"]),
            ("foreign chain", ["add", "chain", "inet", table, "intruder"]),
        ]
        let structural: [(String, [String])] = [
            ("dormant table", ["add", "table", "inet", table, "{ flags dormant; }"]),
            ("deleted table", ["delete", "table", "inet", table]),
        ]
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0]
            let reports = Mutex<[ApplyReport]>([])
            let applier = try KernelApplier(tableName: table, netns: namespace.name, listens: true) { report in reports.withLock { $0.append(report) } }
            let stop = StopToken()
            let thread = try #require(applier.repairForeignChanges(until: stop) { error in Issue.record("repair failed: \(error)") })
            defer { stop.stop(); thread.join() }
            try applier.apply(ruleset)
            let reader = try NftConnection(netns: namespace.name)
            for (label, command) in targeted + structural {
                try namespace.sendLoopbackUDP(count: 3, port: 9)
                let counted = try #require(try applier.readCounters()["probe"]?.packets)
                reports.withLock { $0 = [] }
                let changed = ContinuousClock.now
                try namespace.nft(command)
                let repaired = eventually(within: .seconds(2), every: .milliseconds(5)) {
                    // A dormant table does not read back (the agent never writes one): not repaired yet.
                    (try? reader.readTable(TableIdentity(name: table)))?.normalized == ruleset.normalized
                }
                let took = ContinuousClock.now - changed
                #expect(repaired && took < .seconds(1), "\(label): repaired \(repaired) after \(took)")
                // The table reads back repaired once the kernel committed; the applier reports just after.
                #expect(eventually(within: .seconds(1), every: .milliseconds(5)) { reports.withLock { !$0.isEmpty } })
                let report = try #require(reports.withLock { $0.last }, "\(label): no repair reported")
                #expect(report.repaired.first?.stamp.command == "nft", "\(label): \(report.repaired)")
                if structural.contains(where: { $0.0 == label }) {
                    #expect(report.kind == .full && report.readBack == .foreignChange, "\(label): \(report.kind) \(String(describing: report.readBack))")
                } else {
                    #expect(report.kind == .delta && report.readBack == nil, "\(label): \(report.kind) \(String(describing: report.readBack))")
                    #expect(try applier.readCounters()["probe"]?.packets ?? 0 >= counted, "\(label): counters reset")
                }
            }
        }
    }
}
