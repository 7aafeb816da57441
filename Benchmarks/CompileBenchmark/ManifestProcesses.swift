import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import Manifests
import Ruleset

/// `CompileBenchmark manifests [runs]`: the 100k-pod, 10k-policy cluster written as JSON Lists and as YAML
/// Lists, read the way `agent --manifests` reads them: in this process (`LoadedManifests`: decoding,
/// validating and building the cluster state; then, for JSON, the compile and the render beside it), and as
/// the whole `agent` process: `--dry-run` on JSON and YAML, and `--once` on JSON, which programs a scratch
/// network namespace made for each run. A baseline binary named by BASELINE_AGENT (say, main's) takes turns
/// with this build's agent run by run, so both see the same load. MANIFESTS_DIR keeps the files there (for
/// profiling the agent on them) instead of in a scratch directory removed at the end.
func compareManifestProcesses(runs: Int) throws {
    let cluster = SyntheticCluster.make(pods: 100_000, policies: 10_000)
    let ruleset = PolicyCompiler.compile(cluster, node: "node-0")
    let kept = ProcessInfo.processInfo.environment["MANIFESTS_DIR"]
    let root = kept ?? NSTemporaryDirectory() + "manifests-bench-\(getpid())"
    defer { if kept == nil { try? FileManager.default.removeItem(atPath: root) } }
    let formats: [ManifestWriter.Format] = [.json, .yaml]
    var megabytes: [Double] = []
    for format in formats {
        let files = try ManifestWriter.write(cluster, to: "\(root)/\(format.rawValue)", as: format)
        megabytes.append(files.reduce(0.0) { $0 + Double((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) } / 1e6)
    }
    print("100000 pods, 10000 policies for node-0, as JSON Lists (\(String(format: "%.0f", megabytes[0])) MB) and YAML Lists "
          + "(\(String(format: "%.0f", megabytes[1])) MB). Medians of \(runs) runs.\n")

    print("in this process (wall ms, CPU ms of every thread): LoadedManifests (decode, validate, build the cluster state),")
    print("then for JSON the compile and the render of what it loaded, and the load with the compile alongside as the agent")
    print("does it (CompilingAhead, then the ruleset)")
    for format in formats {
        var state: ClusterState?
        let loads = try (0..<runs).map { _ in
            let stopwatch = ProcessStopwatch()
            state = try load("\(root)/\(format.rawValue)")
            return stopwatch.elapsed
        }
        var steps = [("load", loads)]
        var compiled: Ruleset?
        if format == .json {
            steps.append(("compile", (0..<runs).map { _ in
                let stopwatch = ProcessStopwatch()
                compiled = PolicyCompiler.compile(state!, node: "node-0")
                return stopwatch.elapsed
            }))
            steps.append(("render", (0..<runs).map { _ in
                let stopwatch = ProcessStopwatch()
                _ = NftTextRenderer.render(compiled!)
                return stopwatch.elapsed
            }))
            steps.append(("load+compile", (0..<runs).map { _ in
                let stopwatch = ProcessStopwatch()
                var compiler = CompilingAhead.load(paths: ["\(root)/\(format.rawValue)"], into: NodeCompiler(node: "node-0")).compiler
                compiled = compiler.ruleset()
                return stopwatch.elapsed
            }))
        }
        guard NftTextRenderer.render(compiled ?? PolicyCompiler.compile(state!, node: "node-0")) == NftTextRenderer.render(ruleset) else {
            throw BenchmarkError(description: "the \(format.rawValue) manifests load another cluster")
        }
        for (step, times) in steps {
            print(String(format: "  %@ %@ %8.0f %8.0f", format.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0),
                         step.padding(toLength: 12, withPad: " ", startingAt: 0), median(times.map(\.wall)), median(times.map(\.cpu))))
        }
    }

    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let agents = [("agent", directory.appendingPathComponent("agent").path)]
        + (ProcessInfo.processInfo.environment["BASELINE_AGENT"].map { [("baseline", $0)] } ?? [])
    guard agents.allSatisfy({ FileManager.default.isExecutableFile(atPath: $0.1) }) else {
        print("\n(no agent binary at \(agents.map(\.1).joined(separator: " or ")): `swift build -c release --product agent` for the process figures)")
        return
    }
    print("\nthe whole agent process (main 86d1d1f: 17 s for the JSON --dry-run, 173 s for YAML on two nodes):")
    print("run                           wall ms   CPU ms  peak RSS MiB")
    for format in formats {
        let input = "\(root)/\(format.rawValue)"
        try report("--dry-run \(format.rawValue)", agents: agents, runs: runs) { label, agent, _ in
            let printed = "\(input)-\(label).nft"
            defer { try? FileManager.default.removeItem(atPath: printed) }
            let result = try measured([agent, "--dry-run", "--manifests", input, "--node", "node-0"], stdout: printed)
            try verifyPrinted(printed, equals: ruleset)
            return result
        }
    }
    try report("--once json (netns)", agents: agents, runs: runs) { label, agent, run in
        let namespace = "manifestbench\(getpid())-\(label)-\(run)"
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

/// Each agent's medians for one kind of run; the agents take turns run by run.
private func report(_ label: String, agents: [(String, String)], runs: Int,
                    _ run: (_ label: String, _ agent: String, _ run: Int) throws -> (milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double)) throws {
    var results = [[(milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double)]](repeating: [], count: agents.count)
    for number in 0..<runs {
        for (position, (agentLabel, agent)) in agents.enumerated() { results[position].append(try run(agentLabel, agent, number)) }
    }
    for ((agentLabel, _), results) in zip(agents, results) {
        print(String(format: "%@ %8.0f %8.0f %13.0f", "\(label) \(agentLabel)".padding(toLength: 29, withPad: " ", startingAt: 0),
                     median(results.map(\.milliseconds)), median(results.map(\.cpuMilliseconds)), median(results.map(\.peakRSS))))
    }
}
