import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import Manifests
import Ruleset

/// `CompileBenchmark manifests [runs]`: the 100k-pod, 10k-policy cluster written as JSON Lists and as YAML
/// Lists, read the way `agent --manifests` reads them: in this process (`LoadedManifests`: decoding,
/// validating and building the cluster state), and as the whole `agent` process: `--dry-run` on JSON and YAML, and
/// `--once` on JSON, which programs a scratch network namespace made for each run. main 86d1d1f took 17 s
/// for the JSON `--dry-run` (issue 11), so no older path runs here; the load beside the process shows
/// what the rest of the process (compile, render, write, program) costs.
func compareManifestProcesses(runs: Int) throws {
    let cluster = SyntheticCluster.make(pods: 100_000, policies: 10_000)
    let ruleset = PolicyCompiler.compile(cluster, node: "node-0")
    let root = NSTemporaryDirectory() + "manifests-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let formats: [ManifestWriter.Format] = [.json, .yaml]
    var megabytes: [Double] = []
    for format in formats {
        let files = try ManifestWriter.write(cluster, to: "\(root)/\(format.rawValue)", as: format)
        megabytes.append(files.reduce(0.0) { $0 + Double((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) } / 1e6)
    }
    print("100000 pods, 10000 policies for node-0, as JSON Lists (\(String(format: "%.0f", megabytes[0])) MB) and YAML Lists "
          + "(\(String(format: "%.0f", megabytes[1])) MB). Medians of \(runs) runs.\n")

    print("in this process: LoadedManifests (decode, validate, build the cluster state)")
    for format in formats {
        var state: ClusterState?
        let times = try (0..<runs).map { _ in
            let start = ContinuousClock.now
            state = try load("\(root)/\(format.rawValue)")
            return milliseconds(ContinuousClock.now - start)
        }
        guard NftTextRenderer.render(PolicyCompiler.compile(state!, node: "node-0")) == NftTextRenderer.render(ruleset) else {
            throw BenchmarkError(description: "the \(format.rawValue) manifests load another cluster")
        }
        print(String(format: "  %@ load ms %8.0f", format.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0), median(times)))
    }

    let agent = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("agent").path
    guard FileManager.default.isExecutableFile(atPath: agent) else {
        print("\n(no agent binary at \(agent): `swift build -c release --product agent` for the process figures)")
        return
    }
    print("\nthe whole agent process (main 86d1d1f: 17 s for the JSON --dry-run, 173 s for YAML on two nodes):")
    print("run                    wall ms   CPU ms  peak RSS MiB")
    for format in formats {
        let directory = "\(root)/\(format.rawValue)"
        try report("--dry-run \(format.rawValue)", runs: runs) {
            try measured([agent, "--dry-run", "--manifests", directory, "--node", "node-0"], stdout: "\(directory).nft")
        }
        try verifyPrinted("\(directory).nft", equals: ruleset)
    }
    try report("--once json (netns)", runs: runs) { run in
        let namespace = "manifestbench\(getpid())-\(run)"
        _ = try spawn(["ip", "netns", "add", namespace])
        defer { _ = try? spawn(["ip", "netns", "delete", namespace]) }
        return try measured([agent, "--once", "--manifests", "\(root)/json", "--node", "node-0"], prefix: ["ip", "netns", "exec", namespace])
    }
}

/// Loads like `agent --manifests`; any problem is fatal.
private func load(_ directory: String) throws -> ClusterState {
    let loaded = LoadedManifests(paths: [directory])
    guard loaded.errors.isEmpty, loaded.skipped.isEmpty else {
        throw BenchmarkError(description: (loaded.errors + loaded.skipped.map(\.source)).prefix(3).joined(separator: "\n"))
    }
    return loaded.cluster
}

/// `spawn`'s wall and CPU times, with the peak RSS GNU time reads for the agent alone: a process posix_spawn
/// starts (vfork) inherits this benchmark's peak in its own ru_maxrss (Linux exec_mmap,
/// setmax_mm_hiwater_rss), which would hide the agent's.
func measured(_ command: [String], prefix: [String] = [], stdout: String = "/dev/null") throws
    -> (milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double) {
    let peakFile = NSTemporaryDirectory() + "manifests-bench-rss-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: peakFile) }
    let run = try spawn(prefix + ["/usr/bin/time", "-f", "%M", "-o", peakFile] + command, stdout: stdout)
    let kibibytes = Double(try String(contentsOfFile: peakFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    return (run.milliseconds, run.cpuMilliseconds, kibibytes / 1024)
}

private func report(_ label: String, runs: Int, _ run: (Int) throws -> (milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double)) throws {
    let results = try (0..<runs).map(run)
    print(String(format: "%@ %8.0f %8.0f %13.0f", label.padding(toLength: 20, withPad: " ", startingAt: 0),
                 median(results.map(\.milliseconds)), median(results.map(\.cpuMilliseconds)), median(results.map(\.peakRSS))))
}

private func report(_ label: String, runs: Int, _ run: () throws -> (milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double)) throws {
    try report(label, runs: runs) { _ in try run() }
}
