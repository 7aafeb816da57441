import ClusterModel
import Compiler
import IPAddressing
import NftNetlink
import Ruleset
import Testing

/// A ruleset applied as a delta over an earlier one ends up exactly as a fresh full apply of it.
@Suite struct IncrementalApplyTests {
    /// Two random changes in a row, each sent as a delta.
    @Test(arguments: 0..<24)
    func randomChanges(seed: UInt64) throws {
        var generator = RandomRuleset(seed: seed)
        let first = generator.ruleset()
        let second = generator.mutate(first)
        let third = generator.mutate(second)
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "rnd", netns: namespaces[0].name)
            try programmer.apply(first)
            #expect(try programmer.apply(second).kind == .delta)
            #expect(try programmer.readBack()?.normalized == second.normalized)
            #expect(try programmer.apply(third).kind == .delta)
            try expectSame(third, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    /// ClusterNetworkPolicy changes as deltas: reprioritised and reordered (chains change, goto targets
    /// move), then all removed (the input hook, its maps and the Admin and Baseline chains go), then back.
    @Test func clusterPolicyChanges() throws {
        let first = try ExampleCluster.clusterPolicyRuleset()
        let reordered = try ExampleCluster.clusterPolicyRuleset { state in
            state.clusterPolicies[0].priority = 20
            state.clusterPolicies[0].egress.reverse()
            state.clusterPolicies[1].tier = .admin
        }
        let none = try ExampleCluster.clusterPolicyRuleset { $0.clusterPolicies = [] }
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: first.table.name, netns: namespaces[0].name)
            try programmer.apply(first)
            for next in [reordered, none, first] {
                #expect(try programmer.apply(next).kind == .delta)
                #expect(try programmer.readBack()?.normalized == next.normalized)
            }
            try expectSame(first, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    @Test func podChurnSendsOnlyElements() throws {
        var builder = try ExampleCluster.builder()
        let before = try ExampleCluster.ruleset(builder)
        // A local pod selected by the backend policies, a remote peer, and one pod gone.
        builder.replace(Pod(namespace: "backend", name: "api-3", labels: ["app": "api", "tier": "service"], nodeName: "node-1",
                            addresses: [IPAddress("10.244.1.21")!, IPAddress("fd00:10:244:1::21")!],
                            namedPorts: [NamedPort(name: "http", proto: .tcp, port: 8080)]))
        builder.replace(Pod(namespace: "frontend", name: "web-3", labels: ["app": "web"], nodeName: "node-2",
                            addresses: [IPAddress("10.244.2.11")!, IPAddress("fd00:10:244:2::11")!],
                            namedPorts: [NamedPort(name: "http", proto: .tcp, port: 80)]))
        builder.remove(ObjectReference(kind: "Pod", namespace: "frontend", name: "web-2"))
        let after = try ExampleCluster.ruleset(builder)

        let operations = RulesetDiff.operations(from: before, to: after)
        #expect(!operations.isEmpty)
        #expect(operations.allSatisfy { $0.isElementUpdate }, "pod churn sent \(operations.filter { !$0.isElementUpdate })")
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: before.table.name, netns: namespaces[0].name)
            try programmer.apply(before)
            let report = try programmer.apply(after)
            #expect(report.kind == .delta)
            #expect(report.operations == operations)
            try expectSame(after, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    /// A map and the chain its elements jump to go away together: the map must go first.
    @Test func removedMapAndItsChain() throws {
        let jumpTarget = Chain(name: "pod_a", rules: [Rule(counter: true, action: .verdict(.drop))])
        let map = NamedSet(name: "pods", keyType: [.ipv4Address], isVerdictMap: true,
                           elements: [SetElement(key: [.address(IPAddress("10.0.0.1")!)], verdict: .jump("pod_a"))])
        let hook = Chain(name: "forward", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept),
                         rules: [Rule(action: .verdictMap(fields: [.sourceAddress(.v4)], map: "pods"))])
        let first = Ruleset(table: Table(family: .inet, name: "t", sets: [map], chains: [hook, jumpTarget]))
        let second = Ruleset(table: Table(family: .inet, name: "t", chains: [Chain(name: "forward", hook: hook.hook)]))
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "t", netns: namespaces[0].name)
            try programmer.apply(first)
            #expect(try programmer.apply(second).kind == .delta)
            try expectSame(second, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    @Test func sameRulesetSendsNothing() throws {
        try ScratchNamespace.with { namespaces in
            let ruleset = try ExampleCluster.ruleset()
            let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespaces[0].name)
            try programmer.apply(ruleset)
            let report = try programmer.apply(ruleset)
            #expect(report.kind == .unchanged)
            #expect(report.commit == nil)
        }
    }

    /// Another table committed in between moves the generation: the programmer reads its own table back,
    /// finds it intact, and still sends a delta.
    @Test func commitsByOthersStillAllowDeltas() throws {
        var generator = RandomRuleset(seed: 99)
        let first = generator.ruleset()
        let second = generator.mutate(first)
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "rnd", netns: namespaces[0].name)
            try programmer.apply(first)
            try namespaces[0].nft(["add", "table", "inet", "someone_else"])
            let report = try programmer.apply(second)
            #expect(report.kind == .delta)
            try expectSame(second, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    /// A batch computed against an old generation is refused whole.
    @Test func staleGenerationIsRefused() throws {
        try ScratchNamespace.with { namespaces in
            let connection = try NftConnection(netns: namespaces[0].name)
            let generation = try connection.generation()
            try namespaces[0].nft(["add", "table", "inet", "someone_else"])
            let table = TableIdentity(name: "mine")
            let error = try #require(throws: NftError.self) {
                try connection.commit([.addTable(comment: nil)], table: table, generation: generation)
            }
            // Refused for the stale generation (ERESTART), not for anything else.
            guard case .generationChanged = error else { Issue.record("refused for another reason: \(error)"); return }
            #expect(try connection.readTable(table) == nil)
            try connection.commit([.addTable(comment: nil)], table: table, generation: try connection.generation())
            #expect(try connection.readTable(table) != nil)
        }
    }
}

/// The programmed table lists, and reads back, exactly as `ruleset` applied fresh in another namespace,
/// with the kernel sizes the programmer gave its larger sets (`SetSizing`) and nothing else changed.
func expectSame(_ ruleset: Ruleset, programmedBy programmer: KernelProgrammer, in namespace: ScratchNamespace,
                freshIn other: ScratchNamespace, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let name = ruleset.table.name
    let applied = try #require(programmer.lastApplied, sourceLocation: sourceLocation)
    var unsized = applied
    for index in unsized.table.sets.indices where index < ruleset.table.sets.count { unsized.table.sets[index].kernelSize = ruleset.table.sets[index].kernelSize }
    #expect(unsized == ruleset, sourceLocation: sourceLocation)
    try other.nft(["-f", "-"], input: NftTextRenderer.render(applied))
    #expect(try namespace.listing(name) == (try other.listing(name)), sourceLocation: sourceLocation)
    #expect(try namespace.bytecode(name) == (try other.bytecode(name)), sourceLocation: sourceLocation)
    #expect(try programmer.readBack()?.normalized == applied.normalized, sourceLocation: sourceLocation)
}
