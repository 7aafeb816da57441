import BenchmarkSupport
import ClusterModel
import Compiler
import NftNetlink
import Ruleset

/// Where the commit of a pod that starts a new group goes, on the `cluster` table: its delta cut into
/// parts, each applied on top of the previous one and all undone after every sample. The parts: the new
/// chains as empty declarations (with their counters and any new sets), then their rules, then the verdict
/// map elements that jump to them; and the same rules without their named counters.
func newGroupCommit(pods: Int, policies: Int, rounds: Int = 3, samples: Int = 200) throws {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies)
    var compiler = cluster.loadedCompiler(node: "node-0")
    // Each sample's rulesets come from the compiler as the agent's do, so they share storage with the
    // ones applied before them and the diff costs what changed.
    let steps = (0..<samples).map { sample in
        let base = compiler.ruleset()
        let pod = cluster.benchmarkPod(sample, on: "node-0")
        compiler.upsert(pod)
        defer { compiler.removePod(pod.reference) }
        return NewGroupSteps(base: base, grown: compiler.ruleset())
    }
    print("new group commit, \(pods) pods and \(policies) policies, node-0, parts applied in turn (\(rounds) rounds of \(samples)):")

    let namespace = try ScratchNamespace()
    let programmer = try KernelProgrammer(tableName: steps[0].base.table.name, netns: namespace.name)
    try programmer.apply(steps[0].base)
    var parts = NewGroupSteps.labels.map { _ in LatencyRounds() }
    var operations = NewGroupSteps.labels.map { _ in 0 }
    // The whole delta again, by whether it creates sets (peer sets no chain of the node used before).
    var bySets = [LatencyRounds(), LatencyRounds()], creating = 0, elements: [Double] = []
    for _ in 0..<rounds {
        var times = NewGroupSteps.labels.map { _ in [(wall: Double, cpu: Double)]() }
        var wholeBySets: [[(wall: Double, cpu: Double)]] = [[], []]
        for step in steps {
            for (part, ruleset) in step.sequence {
                let start = Stopwatch()
                let report = try programmer.apply(ruleset ?? step.base)
                guard let part else { continue }
                times[part].append(start.elapsed)
                operations[part] = max(operations[part], report.operations.count)
                guard part == 0 else { continue }
                let newSets = report.operations.contains { if case .addSet = $0 { true } else { false } }
                wholeBySets[newSets ? 1 : 0].append(times[part].last!)
                elements.append(Double(report.operations.reduce(0) { total, operation in
                    if case .addElements(let set) = operation { total + set.elements.count } else { total }
                }))
            }
        }
        for part in parts.indices { parts[part].add(round: times[part]) }
        for kind in bySets.indices where !wholeBySets[kind].isEmpty { bySets[kind].add(round: wholeBySets[kind]) }
        creating = wholeBySets[1].count
    }
    for (part, label) in NewGroupSteps.labels.enumerated() {
        print("  \(label) (at most \(operations[part]) operations): \(parts[part].summary)")
    }
    print("    the whole delta creating no set (\(samples - creating) of \(samples)): \(bySets[0].summary)")
    print("    the whole delta creating sets (\(creating) of \(samples)): \(bySets[1].summary)")
    print(String(format: "    elements added by the whole delta: median %.0f, p99 %.0f, most %.0f", median(elements), percentile(elements, 99),
                 elements.max() ?? 0))
}

/// The rulesets between the table without and with one new-group pod.
private struct NewGroupSteps {
    static let labels = ["whole delta at once", "new chains, empty", "their rules", "map elements jumping to them",
                         "new chains with rules, no named counters"]

    let base: Ruleset
    let grown: Ruleset
    let emptyChains: Ruleset
    let chainsWithRules: Ruleset
    let withoutCounters: Ruleset

    /// Applied in this order, each onto the table the previous one left, with the part it measures;
    /// nil: back to the base table, not measured.
    var sequence: [(part: Int?, ruleset: Ruleset?)] {
        [(0, grown), (nil, nil), (1, emptyChains), (2, chainsWithRules), (3, grown), (nil, nil), (4, withoutCounters), (nil, nil)]
    }

    init(base: Ruleset, grown: Ruleset) {
        self.base = base
        self.grown = grown
        let old = Set(base.table.chains.map(\.name))
        var chains = grown
        // The verdict maps as before the pod: its chains exist but nothing jumps to them yet.
        chains.table.sets = grown.table.sets.map { set in base.table.sets.first { $0.name == set.name && set.isVerdictMap } ?? set }
        chainsWithRules = chains
        var empty = chains
        for index in empty.table.chains.indices where !old.contains(empty.table.chains[index].name) {
            empty.table.chains[index].rules = []
        }
        emptyChains = empty
        var uncounted = chains
        for index in uncounted.table.chains.indices where !old.contains(uncounted.table.chains[index].name) {
            uncounted.table.chains[index].rules = uncounted.table.chains[index].rules.map { var rule = $0; rule.namedCounter = nil; return rule }
        }
        withoutCounters = uncounted
    }
}
