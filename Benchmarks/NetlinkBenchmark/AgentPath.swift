import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import NftNetlink
import Ruleset

/// What the agent does for a cluster of `pods`, `policies` and `clusterPolicies`: compile for one node and apply the whole
/// table (against `nft -f` of the same text), then follow one pod at a time, end to end: NodeCompiler
/// update, diff, batch, ACK. Pods on another node, on this node, and on this node in a group it has already
/// take turns, `samples` adds each per
/// round; each round's median and p99, then their medians over `rounds`.
func agentPath(pods: Int, policies: Int, clusterPolicies: Int = 0, rounds: Int = 3, samples: Int = 200) throws {
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
    var user: [Double] = [], system: [Double] = []
    let full = try (0..<3).map { _ in
        let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name)
        _ = try programmer.removeTable()  // else it would take over the previous run's table and send nothing
        let before = cpuTime()
        defer {
            let after = cpuTime()
            user.append(after.user - before.user)
            system.append(after.system - before.system)
        }
        return try milliseconds { try programmer.apply(ruleset) }
    }
    let nft = try (0..<3).map { _ in try namespace.loadWithNft(path) }
    print(String(format: "  full apply: netlink %.0f ms (CPU: %.0f ms building and sending, %.0f ms in the kernel), nft -f %.0f ms (medians of 3)",
                 median(full), median(user), median(system), median(nft.map(\.milliseconds))))

    let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name)
    try programmer.apply(ruleset)
    // A copy of a random pod mostly starts a group of its own on node-0 (its chains come and go with
    // it); a copy of one of node-0's pods joins that pod's group (map and peer-set elements only).
    let localPods = cluster.pods.filter { $0.nodeName == "node-0" }
    let places: [(String, String, [Pod]?)] = [("a pod on another node", "node-7", nil), ("a pod on this node", "node-0", nil),
                                              ("a pod on this node joining its group", "node-0", localPods)]
    var total = places.map { _ in LatencyRounds() }, compile = total, apply = total
    var kinds = places.map { _ in Set<String>() }, operations = places.map { _ in 0 }, recreated = operations
    for _ in 0..<rounds {
        for (place, (_, node, models)) in places.enumerated() {
            var totalTimes: [(wall: Double, cpu: Double)] = [], compileTimes = totalTimes, applyTimes = totalTimes
            for sample in 0..<samples {
                let pod = cluster.benchmarkPod(sample, on: node, like: models)
                let start = Stopwatch()
                compiler.upsert(pod)
                let next = compiler.ruleset()
                let compiled = start.elapsed
                let applying = Stopwatch()
                let report = try programmer.apply(next)
                compileTimes.append(compiled)
                applyTimes.append(applying.elapsed)
                totalTimes.append(start.elapsed)
                kinds[place].insert("\(report.kind)")
                operations[place] = max(operations[place], report.operations.count)
                recreated[place] += recreatedSets(report.operations)
                compiler.removePod(pod.reference)
                recreated[place] += recreatedSets(try programmer.apply(compiler.ruleset()).operations)
            }
            total[place].add(round: totalTimes)
            compile[place].add(round: compileTimes)
            apply[place].add(round: applyTimes)
        }
    }
    for (place, (label, _, _)) in places.enumerated() {
        print("  \(label) added, compile + diff + batch + ACK: \(total[place].summary) (\(rounds) rounds of \(samples); "
              + "\(kinds[place].sorted().joined(separator: ",")), at most \(operations[place]) operations, "
              + "\(recreated[place]) sets recreated)")
        print("    of which update + ruleset(): \(compile[place].summary); diff + batch + ACK: \(apply[place].summary)")
    }
}

/// Sets deleted and created again in one transaction: a kernel size outgrown (`SetSizing`), or a declaration changed.
private func recreatedSets(_ operations: [RulesetOperation]) -> Int {
    var deleted = Set<String>()
    for case .deleteSet(let name) in operations { deleted.insert(name) }
    return operations.count { operation in
        guard case .addSet(let set) = operation else { return false }
        return deleted.contains(set.name)
    }
}
