import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Ruleset

// Prints compile and render figures for synthetic clusters: pods × policies, compiled for one node.
// Medians of several runs, since this machine is noisy. Usage: CompileBenchmark [runs]
// `CompileBenchmark cnp [runs]`: 100k pods and 10k policies with and without 1,000 ClusterNetworkPolicies.
// `CompileBenchmark manifests [runs]`: that cluster read from JSON and YAML manifests, in process and by `agent`.

if CommandLine.arguments.dropFirst().first == "manifests" {
    try compareManifestProcesses(runs: CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 3 : 3)
    exit(0)
}
// `CompileBenchmark decode [runs]`: objects decoded by JSONWireReader and by JSONDecoder, side by side.
if CommandLine.arguments.dropFirst().first == "decode" {
    try compareDecoding(runs: CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5)
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "cnp" {
    try compareClusterPolicies(runs: CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 5 : 5)
    exit(0)
}
// `CompileBenchmark pod`: one pod added on this node and on another, without and with 1,000 ClusterNetworkPolicies.
if CommandLine.arguments.dropFirst().first == "pod" {
    for clusterPolicies in [0, 1_000] {
        print("one pod added, then removed: 100000 pods, 10000 policies, \(clusterPolicies) ClusterNetworkPolicies")
        printOnePodAdded(to: SyntheticCluster.make(pods: 100_000, policies: 10_000, clusterPolicies: clusterPolicies))
    }
    exit(0)
}
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

print("\nincremental, 100000 pods and 10000 policies: one pod added, then removed")
printOnePodAdded(to: SyntheticCluster.make(pods: 100_000, policies: 10_000))

/// VmHWM: the process's peak resident set so far.
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}
