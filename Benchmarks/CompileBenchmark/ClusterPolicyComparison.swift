import BenchmarkSupport
import Compiler
import Foundation
import Ruleset

/// 100k pods and 10k NetworkPolicies compiled for node-0 without ClusterNetworkPolicies and with 1,000
/// (`SyntheticClusterPolicies`), side by side: the two shapes take turns within every run, so the
/// machine's noise falls on both. Then one pod added, and the whole `agent --dry-run --manifests`
/// process (the agent binary beside this one) on the same clusters written as manifests.
func compareClusterPolicies(runs: Int) throws {
    let shapes = [("no CNPs", 0), ("1,000 CNPs", 1_000)]
    let clusters = shapes.map { SyntheticCluster.make(pods: 100_000, policies: 10_000, clusterPolicies: $0.1) }
    print("100000 pods, 10000 policies, compiled for node-0, without and with 1,000 ClusterNetworkPolicies (70% Admin).")
    print("Medians of \(runs) runs, the shapes alternating.\n")
    var compileTimes = shapes.map { _ in [Double]() }, renderTimes = compileTimes
    var rulesets = [Ruleset?](repeating: nil, count: shapes.count)
    for _ in 0..<runs {
        for (index, cluster) in clusters.enumerated() {
            let start = ContinuousClock.now
            let compiled = PolicyCompiler.compile(cluster, node: "node-0")
            let compiledAt = ContinuousClock.now
            _ = NftTextRenderer.render(compiled)
            compileTimes[index].append(milliseconds(compiledAt - start))
            renderTimes[index].append(milliseconds(ContinuousClock.now - compiledAt))
            rulesets[index] = compiled
        }
    }
    print("shape        compile ms  render ms  chains  sets  elements  rules  CNP chains")
    for (index, shape) in shapes.enumerated() {
        let table = rulesets[index]!.table
        print(String(format: "%@ %10.1f %10.1f %7d %5d %9d %6d %11d", shape.0.padding(toLength: 12, withPad: " ", startingAt: 0), median(compileTimes[index]),
                     median(renderTimes[index]), table.chains.count, table.sets.count, table.sets.reduce(0) { $0 + $1.elements.count },
                     table.chains.reduce(0) { $0 + $1.rules.count },
                     table.chains.filter { $0.name.contains("_admin_") || $0.name.contains("_baseline_") }.count))
    }
    for (index, shape) in shapes.enumerated() {
        print("\none pod added, then removed, \(shape.0)")
        printOnePodAdded(to: clusters[index])
    }
    try compareAgentProcesses(shapes: shapes.map(\.0), clusters: clusters, rulesets: rulesets.map { $0! }, runs: runs)
}

/// `agent --dry-run --manifests DIR --node node-0`, from start to exit: reading, validating, compiling
/// and printing the ruleset, which must be the one compiled in this process (so the manifests say what
/// the synthetic cluster holds).
private func compareAgentProcesses(shapes: [String], clusters: [ClusterState], rulesets: [Ruleset], runs: Int) throws {
    let agent = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("agent").path
    guard FileManager.default.isExecutableFile(atPath: agent) else {
        print("\n(no agent binary at \(agent): `swift build -c release --product agent` for the process figures)")
        return
    }
    let root = NSTemporaryDirectory() + "cnp-manifests-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let directories = try clusters.enumerated().map { index, cluster in
        let directory = "\(root)/\(index)"
        try ManifestWriter.write(cluster, to: directory)
        return directory
    }
    var wall = shapes.map { _ in [Double]() }, cpu = wall, rss = wall
    for _ in 0..<runs {
        for (index, directory) in directories.enumerated() {
            let run = try spawn([agent, "--dry-run", "--manifests", directory, "--node", "node-0"], stdout: "\(directory).nft")
            wall[index].append(run.milliseconds)
            cpu[index].append(run.cpuMilliseconds)
            rss[index].append(run.peakRSS)
        }
    }
    for (index, directory) in directories.enumerated() { try verifyPrinted("\(directory).nft", equals: rulesets[index]) }
    print("\nagent --dry-run --manifests (the whole process), medians of \(runs):")
    print("shape        wall ms   CPU ms  peak RSS MiB")
    for (index, shape) in shapes.enumerated() {
        print(String(format: "%@ %8.0f %8.0f %13.0f", shape.padding(toLength: 12, withPad: " ", startingAt: 0), median(wall[index]), median(cpu[index]), median(rss[index])))
    }
}

/// The ruleset `agent --dry-run` printed to `file` must be the one compiled in this process (so the
/// manifests say what the synthetic cluster holds).
func verifyPrinted(_ file: String, equals ruleset: Ruleset) throws {
    let printed = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    guard printed.drop(while: { $0.hasPrefix("#") }).joined(separator: "\n") == NftTextRenderer.render(ruleset) else {
        throw BenchmarkError(description: "the agent's ruleset in \(file) is not the one compiled here: the manifests are wrong")
    }
}
