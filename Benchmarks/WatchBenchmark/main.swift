import FakeAPIServerSupport
import Foundation
import Glibc
import KubeClient

// WatchBenchmark: API event → rules live in the kernel, at 100k pods and 10k policies.
//
// Needs root: it creates a network namespace of its own, runs itself inside it (the fake API server
// on that namespace's loopback, the nftables tables in it) and deletes it at the end. Nothing
// touches the root namespace. Options: --namespaces N (×100 pods, ×10 policies), --runs R, --events E.

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
let runs = option("--runs", 3), events = option("--events", 100)
print("WatchBenchmark: \(cluster.podCount) pods in \(cluster.namespaces) namespaces on \(cluster.nodes) nodes, \(cluster.policyCount) policies; \(runs) runs of \(events) pod additions")

let footprint = try CacheFootprint.bytesPerPod(cluster)
print(String(format: "cache: %.0f bytes per pod (heap in use, %d pods)", footprint, cluster.podCount))

let directory = NSTemporaryDirectory() + "watchbench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--tls-dir", directory, "--token", "bench",
                                           "--kubeconfig-out", "\(directory)/kubeconfig", "--bookmark-interval", "30"],
                               log: "\(directory)/apiserver.log")
defer { server.stop() }
let loadStarted = ContinuousClock.now
for index in 0..<cluster.namespaces { try server.apply(cluster.namespace(index)) }
for index in 0..<cluster.podCount { try server.apply(cluster.pod(index)) }
for index in 0..<cluster.policyCount { try server.apply(cluster.policy(index)) }
print(String(format: "fake API server loaded in %.1f s", (ContinuousClock.now - loadStarted).milliseconds / 1000))
let connection = try KubeconfigLoader.load(paths: ["\(directory)/kubeconfig"])

var pipeline: [PipelineRun.Figures] = []
for run in 0..<runs {
    let figures = try PipelineRun(server: server, connection: connection, cluster: cluster, events: events).measure(run: run)
    print(String(format: "run %d (in-process agent): initial sync %.2f s wall, %.2f s CPU; pod added → live p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                 run + 1, figures.initialSync.milliseconds / 1000, figures.initialSyncCPU.milliseconds / 1000,
                 Percentiles.of(figures.latencies, 50).milliseconds, Percentiles.of(figures.latencies, 99).milliseconds,
                 figures.latencies.max()!.milliseconds))
    pipeline.append(figures)
}
var binary: [AgentBinaryRun.Figures] = []
for run in 0..<runs {
    let figures = try AgentBinaryRun(kubeconfig: "\(directory)/kubeconfig").measure(run: run)
    print(String(format: "run %d (agent binary): initial sync %.2f s wall, %.2f s CPU; RSS %.0f MiB",
                 run + 1, figures.initialSync.milliseconds / 1000, figures.initialSyncCPU.milliseconds / 1000,
                 Double(figures.residentBytes) / 1_048_576))
    binary.append(figures)
}

print("medians over \(runs) runs:")
print(String(format: "  pod added → rules live: p50 %.2f ms, p99 %.2f ms (goal p99 < 50 ms)",
             Percentiles.median(pipeline.map { Percentiles.of($0.latencies, 50) }).milliseconds,
             Percentiles.median(pipeline.map { Percentiles.of($0.latencies, 99) }).milliseconds))
print(String(format: "  initial sync (agent binary): %.2f s wall, %.2f s agent CPU",
             Percentiles.median(binary.map(\.initialSync)).milliseconds / 1000,
             Percentiles.median(binary.map(\.initialSyncCPU)).milliseconds / 1000))
print(String(format: "  agent RSS after sync: %.0f MiB", Double(Percentiles.median(binary.map(\.residentBytes))) / 1_048_576))
print(String(format: "  cache: %.0f bytes per pod (goal < 2048)", footprint))
