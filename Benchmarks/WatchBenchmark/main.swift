import FakeAPIServerSupport
import Foundation
import Glibc
import KubeClient

// WatchBenchmark: API event → rules live in the kernel, at 100k pods and 10k policies.
//
// Needs root: it creates a network namespace of its own, runs itself inside it (the API servers
// on that namespace's loopback, the nftables tables in it) and deletes it at the end. Nothing
// touches the root namespace. Two event sources take turns: the Python fake API server (the old
// measure, its own work included) and a replay responder that only writes the line.
// Options: --namespaces N (×100 pods, ×10 policies), --runs R, --python-runs R, --pipeline-runs R (in-process
// agent runs per source, at least 1; default R), --events E, --no-watch-list (the agents sync with LISTs instead of a
// WatchList), --baseline-agent PATH (another agent binary, e.g. main's, measured in turn with this one).

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}

// `WatchBenchmark api-load [--pods N] [--runs R] [--fleet F]`: the API server's side instead: requests,
// bytes and relist spread; no kernel, no root (APILoad.swift).
if arguments.dropFirst().first == "api-load" {
    try APILoad.run(arguments: arguments)
    exit(0)
}

/// Prints and flushes: a long run shows its progress in a file too.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

let insideVariable = "WATCH_BENCHMARK_NETNS"
guard geteuid() == 0 else {
    FileHandle.standardError.write(Data("WatchBenchmark needs root: it creates a network namespace and programs nftables in it\n".utf8))
    exit(1)
}

if ProcessInfo.processInfo.environment[insideVariable] == nil {
    let namespace = "watchbench-\(getpid())"
    let status = try NamespaceRun.run(namespace: namespace, arguments: arguments, marker: insideVariable)
    exit(status)
}

var cluster = SyntheticCluster()
cluster.namespaces = option("--namespaces", 1000)
let runs = option("--runs", 3), pythonRuns = option("--python-runs", runs), events = option("--events", 200)
let pipelineRuns = max(1, option("--pipeline-runs", runs))  // the report needs one
let watchList = !arguments.contains("--no-watch-list")
let baselineAgent = arguments.firstIndex(of: "--baseline-agent").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
say("WatchBenchmark: \(cluster.podCount) pods in \(cluster.namespaces) namespaces on \(cluster.nodes) nodes, \(cluster.policyCount) policies; \(runs) runs of \(events) pod additions (\(pythonRuns) from the Python server); initial sync by \(watchList ? "WatchList" : "LIST")")

let footprint = try CacheFootprint.bytesPerPod(cluster)
say(String(format: "cache: %.0f bytes per pod (heap in use, %d pods)", footprint, cluster.podCount))
let recorded = try RecordedCluster(cluster)
say(String(format: "wire: a pod ADDED line is %d bytes median, %d p99; decoding and validating one takes %.1f µs (%.1f µs by JSONDecoder alone)",
             recorded.eventBytes.median, recorded.eventBytes.p99, recorded.decodeMicroseconds, recorded.jsonDecoderMicroseconds))
say(String(format: "wire: a realistic pod's event (managedFields, status) is %d bytes; decoding and validating it takes %.1f µs (%.1f µs by JSONDecoder alone)",
             recorded.realisticEventBytes, recorded.realisticDecodeMicroseconds, recorded.realisticJSONDecoderMicroseconds))

let directory = NSTemporaryDirectory() + "watchbench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

var sources: [any EventSource] = []
var stops: [() -> Void] = []
defer { stops.forEach { $0() } }
if pythonRuns > 0 {
    let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--tls-dir", directory, "--token", "bench",
                                               "--kubeconfig-out", "\(directory)/kubeconfig", "--bookmark-interval", "30"],
                                   log: "\(directory)/apiserver.log")
    stops.append(server.stop)
    let loadStarted = ContinuousClock.now
    for index in 0..<cluster.namespaces { try server.apply(cluster.namespace(index)) }
    for index in 0..<cluster.podCount { try server.apply(cluster.pod(index)) }
    for index in 0..<cluster.policyCount { try server.apply(cluster.policy(index)) }
    say(String(format: "fake API server loaded in %.1f s", (ContinuousClock.now - loadStarted).milliseconds / 1000))
    sources.append(try FakeServerSource(server: server, kubeconfig: "\(directory)/kubeconfig"))
}
let replay = try ReplayServer(collections: recorded.collections)
stops.append(replay.stop)
sources.append(ReplaySource(server: replay))

var report: [(source: String, pipeline: [PipelineRun.Figures], binary: [AgentBinaryRun.Figures], baseline: [AgentBinaryRun.Figures])] = []
for source in sources {
    let sourceRuns = source is FakeServerSource ? pythonRuns : runs
    var pipeline: [PipelineRun.Figures] = []
    for run in 0..<min(sourceRuns, pipelineRuns) {
        let figures = try PipelineRun(source: source, cluster: cluster, events: events, watchList: watchList).measure(run: run)
        let totals = figures.events.map(\.total)
        say(String(format: "%@ run %d (in-process agent): initial sync %.2f s wall, %.2f s CPU; pod added → live p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                     source.name, run + 1, figures.initialSync.milliseconds / 1000, figures.initialSyncCPU.milliseconds / 1000,
                     Percentiles.of(totals, 50).milliseconds, Percentiles.of(totals, 99).milliseconds, totals.max()!.milliseconds))
        pipeline.append(figures)
    }
    var binary: [AgentBinaryRun.Figures] = [], baseline: [AgentBinaryRun.Figures] = []
    let kubeconfig = "\(directory)/\(source is FakeServerSource ? "python" : "replay").kubeconfig"
    try source.writeKubeconfig(to: kubeconfig)
    for run in 0..<sourceRuns {
        // The baseline and this agent take turns, so that both see the same load.
        for (path, name) in [(baselineAgent, "baseline agent"), (AgentBinaryRun.binary, "agent binary")] {
            guard let path else { continue }
            let figures = try AgentBinaryRun(binary: path, source: source, kubeconfig: kubeconfig, cluster: cluster, events: events,
                                             watchList: watchList).measure(run: run)
            say(String(format: "%@ run %d (%@): initial sync %.2f s wall, %.2f s CPU; RSS %.0f MiB (%@); %.0f µs CPU per pod event",
                         source.name, run + 1, name, figures.initialSync.milliseconds / 1000, figures.initialSyncCPU.milliseconds / 1000,
                         Double(figures.residentBytes) / 1_048_576, figures.atSyncedLine ? "at its synced line" : "once idle",
                         figures.cpuPerEvent.milliseconds * 1000))
            if path == baselineAgent { baseline.append(figures) } else { binary.append(figures) }
        }
    }
    report.append((source.name, pipeline, binary, baseline))
}

say("medians over the runs (baseline, main 86d1d1f as in the README: pod added → live p50 39 ms, p99 54 ms from the Python server; initial sync 60 s wall, 4.5 s agent CPU; RSS 206-288 MiB):")
for (source, pipeline, binary, baseline) in report {
    func stage(_ name: String, _ value: KeyPath<PipelineRun.EventTiming, Duration>) -> String {
        String(format: "%@ %.2f/%.2f", name, Percentiles.median(pipeline.map { Percentiles.of($0.events.map { $0[keyPath: value] }, 50) }).milliseconds,
               Percentiles.median(pipeline.map { Percentiles.of($0.events.map { $0[keyPath: value] }, 99) }).milliseconds)
    }
    say("  from the \(source):")
    say("    pod added → rules live, ms p50/p99: " + [stage("total", \.total), stage("write → cache", \.toCache), stage("wake", \.wake),
                                                       stage("compile", \.compile), stage("netlink + ACK", \.netlink),
                                                       stage("of which the kernel", \.kernel)].joined(separator: "; "))
    if source == ReplaySource.name {
        say(String(format: "    line arrival → kernel ACK: p99 under %.2f ms (goal < 10 ms; the replay's write to loopback included)",
                     Percentiles.median(pipeline.map { Percentiles.of($0.events.map(\.total), 99) }).milliseconds))
    }
    for (name, figures) in [("baseline agent", baseline), ("agent binary", binary)] where !figures.isEmpty {
        say(String(format: "    %@: initial sync %.2f s wall, %.2f s CPU (goal ≤ 2 s); RSS after sync %.0f MiB (goal ≤ 150); %.0f µs CPU per pod event",
                     name, Percentiles.median(figures.map(\.initialSync)).milliseconds / 1000,
                     Percentiles.median(figures.map(\.initialSyncCPU)).milliseconds / 1000,
                     Double(Percentiles.median(figures.map(\.residentBytes))) / 1_048_576,
                     Percentiles.median(figures.map(\.cpuPerEvent)).milliseconds * 1000))
    }
}
say(String(format: "  cache: %.0f bytes per pod; pod ADDED line %d bytes median, %d p99 (a realistic pod's: %d bytes, %.1f µs to decode)",
             footprint, recorded.eventBytes.median, recorded.eventBytes.p99, recorded.realisticEventBytes, recorded.realisticDecodeMicroseconds))
