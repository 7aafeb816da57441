import BenchmarkSupport
import ClusterModel
import Compiler
import IPAddressing
import NftNetlink
import Ruleset

/// What the kernel charges for the pieces of a new group's commit on the `cluster` table, each commit
/// undone (untimed) before the next: the smallest commits (an element, an empty chain), the floor of a
/// new group (one empty chain and one verdict map element jumping to it), how that grows with the
/// elements jumping to the chain, and rules whose set look-ups find their set early or late in the
/// table's list of sets (the kernel finds a set by name with a walk of that list:
/// net/netfilter/nf_tables_api.c, nft_set_lookup).
func newGroupFloor(pods: Int, policies: Int, rounds: Int = 3, samples: Int = 200) throws {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies)
    var compiler = cluster.loadedCompiler(node: "node-0")
    let ruleset = compiler.ruleset()
    let table = TableIdentity(name: ruleset.table.name)
    let addressSets = ruleset.table.sets.filter { !$0.isVerdictMap && $0.keyType == [.ipv4Address] && !$0.isInterval }
    let jumpingElements = ruleset.table.sets.filter(\.isVerdictMap).reduce(0) { $0 + $1.elements.count }
    print("new group floor, \(pods) pods and \(policies) policies, node-0: \(ruleset.table.sets.count) sets, "
          + "\(ruleset.table.chains.count) chains, \(ruleset.table.chains.reduce(0) { $0 + $1.rules.count }) rules, "
          + "\(jumpingElements) map elements; each commit undone, \(rounds) rounds of \(samples):")

    let namespace = try ScratchNamespace()
    let programmer = try KernelProgrammer(tableName: table.name, netns: namespace.name)
    try programmer.apply(ruleset)
    let connection = try NftConnection(netns: namespace.name)

    let probe = "floor_probe"
    let dispatch = ruleset.table.sets.first { $0.name == "ingress_v4" }!
    func jumps(_ count: Int) -> NamedSet {
        NamedSet(name: dispatch.name, keyType: dispatch.keyType, isVerdictMap: true, comment: dispatch.comment,
                 elements: (0..<count).map { SetElement(key: [.address(.v4(0x0aff_0000 + UInt32($0)))], verdict: .jump(probe)) })
    }
    func lookups(_ set: String, _ count: Int) -> [RulesetOperation] {
        (0..<count).map { _ in .addRule(chain: probe, Rule(matches: [.inSet(fields: [.sourceAddress(.v4)], set: set)], action: .verdict(.return))) }
    }
    let element = NamedSet(name: addressSets[0].name, keyType: addressSets[0].keyType, comment: addressSets[0].comment,
                           elements: [SetElement(key: [.address(.v4(0x0aff_ff01))])])
    let newSet = NamedSet(name: "floor_probe_v4", keyType: [.ipv4Address])
    let chain = RulesetOperation.addChain(Chain(name: probe))
    let undoChain: [RulesetOperation] = [.deleteChain(probe)]
    let cases: [(label: String, commit: [RulesetOperation], undo: [RulesetOperation])] = [
        ("one element of a peer set", [.addElements(element)], [.deleteElements(element)]),
        ("one empty chain", [chain], undoChain),
        ("one empty chain and 1 map element jumping to it (the floor)", [chain, .addElements(jumps(1))],
         [.deleteElements(jumps(1))] + undoChain),
        ("one empty chain and 16 map elements jumping to it", [chain, .addElements(jumps(16))], [.deleteElements(jumps(16))] + undoChain),
        ("one empty chain and 64 map elements jumping to it", [chain, .addElements(jumps(64))], [.deleteElements(jumps(64))] + undoChain),
        ("a chain of 16 rules without look-ups, 1 element", [chain] + (0..<16).map { _ in
            .addRule(chain: probe, Rule(matches: [.l4Protocol(.tcp)], action: .verdict(.return)))
        } + [.addElements(jumps(1))], [.deleteElements(jumps(1))] + undoChain),
        ("a chain of 16 rules looking up the first peer set, 1 element",
         [chain] + lookups(addressSets.first!.name, 16) + [.addElements(jumps(1))], [.deleteElements(jumps(1))] + undoChain),
        ("a chain of 16 rules looking up the last peer set, 1 element",
         [chain] + lookups(addressSets.last!.name, 16) + [.addElements(jumps(1))], [.deleteElements(jumps(1))] + undoChain),
        ("a chain of 16 rules looking up a set new in the batch, 1 element",
         [.addSet(newSet), chain] + lookups(newSet.name, 16) + [.addElements(jumps(1))],
         [.deleteElements(jumps(1))] + undoChain + [.deleteSet(newSet.name)]),
    ]
    var figures = cases.map { _ in LatencyRounds() }
    for _ in 0..<rounds {
        var times = cases.map { _ in [(wall: Double, cpu: Double)]() }
        for _ in 0..<samples {
            for (index, probeCase) in cases.enumerated() {
                let start = Stopwatch()
                try connection.commit(probeCase.commit, table: table)
                times[index].append(start.elapsed)
                try connection.commit(probeCase.undo, table: table)
            }
        }
        for index in cases.indices { figures[index].add(round: times[index]) }
    }
    for (index, probeCase) in cases.enumerated() { print("  \(probeCase.label): \(figures[index].summary)") }
}
