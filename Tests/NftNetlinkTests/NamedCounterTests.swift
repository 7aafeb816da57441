import NftNetlink
import Ruleset
import Testing

/// Counter objects in the kernel: `readCounters` reads what nft shows, and a delta leaves the values of
/// unchanged counters counting.
@Suite struct NamedCounterTests {
    private static let udp9 = [Match.l4Protocol(.udp), .destinationPort(9...9)]

    /// An output-hook chain, so datagrams the namespace sends to itself pass it.
    private static func ruleset(counters: [NamedCounter], rules: [Rule]) -> Ruleset {
        let output = Chain(name: "out", hook: BaseChainHook(hook: .output, priority: 0, policy: .accept), rules: rules)
        return Ruleset(table: Table(family: .inet, name: "cnt", counters: counters, chains: [output]))
    }

    @Test func valuesAreReadBackAndSurviveDeltas() throws {
        let kept = NamedCounter(name: "allow_x_web_ingress", comment: "ingress allowed by x/web")
        let first = Self.ruleset(counters: [kept, NamedCounter(name: "gone")], rules: [
            Rule(matches: Self.udp9, namedCounter: kept.name, action: .verdict(.accept)),
            Rule(counter: true, namedCounter: "gone", action: .verdict(.accept)),
        ])
        // The rule counting into `kept` is rewritten, a counter goes, another comes.
        let added = NamedCounter(name: "added")
        let second = Self.ruleset(counters: [added, kept], rules: [
            Rule(matches: [.l4Protocol(.tcp)], namedCounter: added.name, action: .verdict(.accept)),
            Rule(matches: Self.udp9, namedCounter: kept.name, action: .verdict(.accept), comment: "rewritten"),
        ])
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "cnt", netns: namespaces[0].name)
            try programmer.apply(first)
            try namespaces[0].sendLoopbackUDP(count: 3, port: 9)
            let counted = try programmer.readCounters()
            #expect(counted[kept.name]?.packets == 3)
            #expect(counted == (try namespaces[0].counterValues("cnt")))

            let report = try programmer.apply(second)
            #expect(report.kind == .delta)
            #expect(report.operations.contains(.flushChain("out")))
            #expect(!report.operations.contains(.deleteCounter(kept.name)))
            let afterDelta = try programmer.readCounters()
            #expect(afterDelta == [kept.name: counted[kept.name]!, added.name: CounterValues(packets: 0, bytes: 0)])

            try namespaces[0].sendLoopbackUDP(count: 2, port: 9)
            #expect(try programmer.readCounters()[kept.name]?.packets == 5)
            #expect(try programmer.readCounters() == (try namespaces[0].counterValues("cnt")))
            try expectSame(second, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    @Test func noTableHasNoCounters() throws {
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "absent", netns: namespaces[0].name)
            #expect(try programmer.readCounters().isEmpty)
        }
    }
}
