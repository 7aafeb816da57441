import BenchmarkSupport
import Compiler
import Explain
import Foundation

// Prints how long `agent explain --matrix` takes: compiling every node once, then judging every ordered
// pair of pods; and one single-pair explanation. Medians of several runs. Usage: ExplainBenchmark [runs]

let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 3 : 3
print("synthetic clusters (Benchmarks/BenchmarkSupport): 100 pods per namespace and per node; TCP/8080 over IPv4.")
print("Times are medians of \(runs) runs.\n")
print("pods   policies  nodes  pairs      matrix s  µs per pair  single explain ms")
for (pods, policies) in [(100, 100), (1_000, 100), (1_000, 1_000)] {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies)
    let query = ConnectionQuery(proto: .tcp, port: 8080)
    var matrixTimes: [Double] = [], singleTimes: [Double] = []
    var pairs = 0
    for _ in 0..<runs {
        var start = ContinuousClock.now
        let matrix = ClusterExplainer(cluster).matrix(query)
        matrixTimes.append(milliseconds(ContinuousClock.now - start))
        pairs = matrix.pods.count * matrix.pods.count
        start = ContinuousClock.now
        _ = try ClusterExplainer(cluster).explain(from: Endpoint(matrix.pods[1])!, to: Endpoint(matrix.pods[pods / 2])!, query)
        singleTimes.append(milliseconds(ContinuousClock.now - start))
    }
    let nodes = Set(cluster.pods.compactMap(\.nodeName)).count
    print(String(format: "%-6d %-9d %-6d %-10d %8.2f %12.2f %18.1f", pods, policies, nodes, pairs, median(matrixTimes) / 1000,
                 median(matrixTimes) * 1000 / Double(pairs), median(singleTimes)))
}
