import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation

/// A pod arrives in a compiled cluster, then leaves: NodeCompiler update and `ruleset()`, in 3 rounds
/// of 200, the pod on another node (only peer-set elements move), on this node (the pod is placed:
/// map elements, and its group's chains when it is the group's first), and on this node in a group it
/// has there already taking turns. A local pod should
/// cost about what a remote one does.
func printOnePodAdded(to cluster: ClusterState, rounds: Int = 3, samples: Int = 200) {
    print("                         add µs: median    p99  on CPU: median    p99   remove µs: median    p99   chains  sets changed")
    var compiler = cluster.loadedCompiler(node: "node-0")
    let baseline = compiler.ruleset()
    let before = Dictionary(uniqueKeysWithValues: baseline.table.sets.map { ($0.name, $0) })
    // A copy of a random pod mostly starts a group of its own on node-0; a copy of one of node-0's pods joins its group.
    let places: [(String, String, [Pod]?)] = [("other node", "node-7", nil), ("this node", "node-0", nil),
                                              ("this node, joining", "node-0", cluster.pods.filter { $0.nodeName == "node-0" })]
    var adds = places.map { _ in LatencyRounds() }, removes = adds
    var changedSets = places.map { _ in 0 }, chainsAdded = changedSets
    for _ in 0..<rounds {
        for (place, (_, node, models)) in places.enumerated() {
            var addTimes: [(wall: Double, cpu: Double)] = [], removeTimes = addTimes
            for sample in 0..<samples {
                let pod = cluster.benchmarkPod(sample, on: node, like: models)
                var stopwatch = Stopwatch()
                compiler.upsert(pod)
                let added = compiler.ruleset()
                addTimes.append(stopwatch.elapsed)
                changedSets[place] = added.table.sets.filter { before[$0.name] != $0 }.count
                chainsAdded[place] = max(chainsAdded[place], added.table.chains.count - baseline.table.chains.count)
                stopwatch = Stopwatch()
                compiler.removePod(pod.reference)
                _ = compiler.ruleset()
                removeTimes.append(stopwatch.elapsed)
            }
            adds[place].add(round: addTimes)
            removes[place].add(round: removeTimes)
        }
    }
    for (place, (label, _, _)) in places.enumerated() {
        let add = adds[place].figures(scale: 1000), remove = removes[place].figures(scale: 1000)
        print("pod on \(label.padding(toLength: 19, withPad: " ", startingAt: 0))"
              + String(format: "%7.0f %6.0f %15.0f %6.0f %19.0f %6.0f %8d %13d", add[0], add[1], add[2], add[3],
                       remove[0], remove[1], chainsAdded[place], changedSets[place]))
    }
    print("(medians over \(rounds) rounds of each round's median and p99 of \(samples); chains: the most one add created)")
}
