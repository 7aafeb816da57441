import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Ruleset

// Prints compile and render figures for synthetic clusters: pods × policies, compiled for one node.
// Medians of several runs, since this machine is noisy. Usage: CompileBenchmark [runs]

let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5 : 5
let shapes = [1_000, 10_000, 100_000].flatMap { pods in [100, 1_000, 10_000].map { (pods, $0) } }

print("cluster shape: 100 pods per namespace and per node (pods of a node spread over namespaces), 10 apps per")
print("namespace; each policy selects one app and allows it from pods, other namespaces, CIDRs and named ports.")
print("Compiled for node-0. Times are medians of \(runs) runs.\n")
print("pods     policies  compile ms  render ms  policies on node  chains  sets  elements  rules  text KiB  peak RSS MiB")
for (pods, policies) in shapes {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies)
    var compileTimes: [Double] = [], renderTimes: [Double] = []
    var ruleset: Ruleset?
    var text = ""
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let compiled = PolicyCompiler.compile(cluster, node: "node-0")
        let compiledAt = ContinuousClock.now
        text = NftTextRenderer.render(compiled)
        let renderedAt = ContinuousClock.now
        compileTimes.append(milliseconds(compiledAt - start))
        renderTimes.append(milliseconds(renderedAt - compiledAt))
        ruleset = compiled
    }
    let table = ruleset!.table
    let policyNames = Set(table.chains.flatMap { $0.rules.compactMap { $0.comment?.split(separator: " ").first } })
    let elements = table.sets.reduce(0) { $0 + $1.elements.count }
    let rules = table.chains.reduce(0) { $0 + $1.rules.count }
    print(String(format: "%-8d %-9d %10.1f %10.1f %17d %7d %5d %9d %6d %9d %13.0f",
                 pods, policies, median(compileTimes), median(renderTimes), policyNames.count, table.chains.count,
                 table.sets.count, elements, rules, text.utf8.count / 1024, peakRSSMiB()))
}

// Incremental: a pod arrives in a compiled cluster. Remote pods only move set elements; a pod on
// this node also rebuilds the node's chains and dispatch maps.
print("\nincremental, 100000 pods and 10000 policies: one pod added, then removed (median of 50)")
print("pod on       add µs  remove µs  sets changed by the add")
let big = SyntheticCluster.make(pods: 100_000, policies: 10_000)
var compiler = NodeCompiler(node: "node-0")
for namespace in big.namespaces { compiler.upsert(namespace) }
for pod in big.pods { compiler.upsert(pod) }
for policy in big.policies { compiler.upsert(policy) }
let baseline = compiler.ruleset()
for (label, node) in [("other node", "node-7"), ("this node", "node-0")] {
    var addTimes: [Double] = [], removeTimes: [Double] = []
    var changedSets = 0
    for sample in 0..<50 {
        var pod = big.pods[sample * 997]
        pod.name = "new-\(sample)"
        pod.nodeName = node
        pod.addresses = [.v4(0x0b00_0000 + UInt32(sample)), .v6(UInt128(0xfd01) << 112 + UInt128(sample))]
        var start = ContinuousClock.now
        compiler.upsert(pod)
        let added = compiler.ruleset()
        addTimes.append(milliseconds(ContinuousClock.now - start) * 1000)
        let before = Dictionary(uniqueKeysWithValues: baseline.table.sets.map { ($0.name, $0) })
        changedSets = added.table.sets.filter { before[$0.name] != $0 }.count
        start = ContinuousClock.now
        compiler.removePod(pod.reference)
        _ = compiler.ruleset()
        removeTimes.append(milliseconds(ContinuousClock.now - start) * 1000)
    }
    print(String(format: "%-11@ %7.0f %10.0f %10d", label as NSString, median(addTimes), median(removeTimes), changedSets))
}

/// VmHWM: the process's peak resident set so far.
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}
