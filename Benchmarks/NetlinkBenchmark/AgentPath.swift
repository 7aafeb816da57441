import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import NftNetlink
import Ruleset

/// What the agent does for a cluster of `pods`, `policies` and `clusterPolicies`: compile for one node and apply the whole
/// table (against `nft -f` of the same text), then follow one pod at a time, end to end: NodeCompiler
/// update, diff, batch, ACK.
func agentPath(pods: Int, policies: Int, clusterPolicies: Int = 0, runs: Int = 40) throws {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies, clusterPolicies: clusterPolicies)
    var compiler = cluster.loadedCompiler(node: "node-0")
    var ruleset = compiler.ruleset()
    let compileTimes = (0..<3).map { _ in
        milliseconds {
            var fresh = cluster.loadedCompiler(node: "node-0")
            ruleset = fresh.ruleset()
        }
    }
    let elements = ruleset.table.sets.reduce(0) { $0 + $1.elements.count }
    print("agent path, \(pods) pods, \(policies) policies and \(clusterPolicies) ClusterNetworkPolicies compiled for node-0 "
          + String(format: "in %.0f ms (median of 3) ", median(compileTimes)) + "(\(elements) elements, "
          + "\(ruleset.table.chains.reduce(0) { $0 + $1.rules.count }) rules):")

    let namespace = try ScratchNamespace()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("netlink-bench-\(getpid())-cluster.nft").path
    try NftTextRenderer.render(ruleset).write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let full = try (0..<3).map { _ in
        let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name)
        _ = try programmer.removeTable()  // else it would take over the previous run's table and send nothing
        return try milliseconds { try programmer.apply(ruleset) }
    }
    let nft = try (0..<3).map { _ in try namespace.loadWithNft(path) }
    print(String(format: "  full apply: netlink %.0f ms, nft -f %.0f ms (medians of 3)", median(full), median(nft.map(\.milliseconds))))

    let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name)
    try programmer.apply(ruleset)
    for (label, node) in [("a pod on another node", "node-7"), ("a pod on this node", "node-0")] {
        var times: [Double] = [], kinds: Set<String> = []
        for sample in 0..<runs {
            var pod = cluster.pods[sample * 997]
            pod.name = "bench-\(sample)"
            pod.nodeName = node
            pod.addresses = [.v4(0x0b00_0000 + UInt32(sample)), .v6(UInt128(0xfd01) << 112 + UInt128(sample))]
            times.append(try milliseconds {
                compiler.upsert(pod)
                let report = try programmer.apply(compiler.ruleset())
                kinds.insert("\(report.kind)")
            })
            compiler.removePod(pod.reference)
            try programmer.apply(compiler.ruleset())
        }
        let sorted = times.sorted()
        print(String(format: "  %@ added, compile + diff + batch + ACK: median %.2f ms, p99 %.2f ms (%d runs; %@)",
                     label, median(times), sorted[min(sorted.count - 1, sorted.count * 99 / 100)], runs,
                     kinds.sorted().joined(separator: ",")))
    }
}
