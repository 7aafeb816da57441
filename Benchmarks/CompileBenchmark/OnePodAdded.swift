import BenchmarkSupport
import Compiler
import Foundation

/// A pod arrives in a compiled cluster, then leaves (median of 50). Remote pods only move set elements;
/// a pod on this node also rebuilds the node's chains and dispatch maps.
func printOnePodAdded(to cluster: ClusterState) {
    print("pod on       add µs  remove µs  sets changed by the add")
    var compiler = cluster.loadedCompiler(node: "node-0")
    let baseline = compiler.ruleset()
    let before = Dictionary(uniqueKeysWithValues: baseline.table.sets.map { ($0.name, $0) })
    for (label, node) in [("other node", "node-7"), ("this node", "node-0")] {
        var addTimes: [Double] = [], removeTimes: [Double] = []
        var changedSets = 0
        for sample in 0..<50 {
            var pod = cluster.pods[sample * 997]
            pod.name = "new-\(sample)"
            pod.nodeName = node
            pod.addresses = [.v4(0x0b00_0000 + UInt32(sample)), .v6(UInt128(0xfd01) << 112 + UInt128(sample))]
            var start = ContinuousClock.now
            compiler.upsert(pod)
            let added = compiler.ruleset()
            addTimes.append(milliseconds(ContinuousClock.now - start) * 1000)
            changedSets = added.table.sets.filter { before[$0.name] != $0 }.count
            start = ContinuousClock.now
            compiler.removePod(pod.reference)
            _ = compiler.ruleset()
            removeTimes.append(milliseconds(ContinuousClock.now - start) * 1000)
        }
        print(String(format: "%-11@ %7.0f %10.0f %10d", label as NSString, median(addTimes), median(removeTimes), changedSets))
    }
}
