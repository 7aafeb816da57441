import BenchmarkSupport
import ClusterModel
import Foundation
import Manifests

/// `CompileBenchmark decode [runs]`: the same objects decoded on one thread by `JSONWireReader`
/// (`readJSON`, the new path) and by JSONDecoder (the old path, and still the fallback), side by side in
/// one run: realistic pods as kube-apiserver sends them (the seed Fuzz/Corpus/FuzzWireReader/
/// pod-realistic.json, managedFields included, 1,000 variants decoded 100 times each), and the items of
/// the 100k-pod, 10k-policy JSON Lists that `CompileBenchmark manifests` reads. Medians of thread CPU time.
/// A last row skips the realistic pods whole (`skipValue`): every byte through the skipper alone.
func compareDecoding(runs: Int) throws {
    let seed = try String(contentsOfFile: "Fuzz/Corpus/FuzzWireReader/pod-realistic.json", encoding: .utf8)
    let variants = (0..<1_000).map { Data(seed.replacingOccurrences(of: "x2x9k", with: "v\($0)").utf8) }
    let realistic = (0..<100_000).map { variants[$0 % variants.count] }

    let cluster = SyntheticCluster.make(pods: 100_000, policies: 10_000)
    let root = NSTemporaryDirectory() + "decode-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try ManifestWriter.write(cluster, to: root, as: .json)
    func items(_ file: String) throws -> [Data] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let layout = data.withUnsafeBytes({ JSONManifestScanner.scan($0) }) else { throw BenchmarkError(description: "\(file) not scanned") }
        return layout.objects.map { data[$0] }
    }
    let pods = try items(files.first { $0.hasSuffix("pods.json") }!)
    let policies = try items(files.first { $0.hasSuffix("policies.json") }!)

    print("decoding on one thread, medians of \(runs) runs (thread CPU time; the machine may be loaded)\n")
    print("objects                          count     MB   readJSON ms  MB/s   JSONDecoder ms  MB/s   speed-up")
    try row("realistic pods (7 KB)", realistic, PodObject.self, runs: runs)
    try row("manifest pods", pods, PodObject.self, runs: runs)
    try row("manifest NetworkPolicies", policies, NetworkPolicyObject.self, runs: runs)
    try skipRow("realistic pods, skipped whole", realistic, runs: runs)
}

private func skipRow(_ label: String, _ objects: [Data], runs: Int) throws {
    let megabytes = Double(objects.reduce(0) { $0 + $1.count }) / 1e6
    var times: [Double] = []
    for _ in 0..<runs {
        let start = threadCPUMilliseconds()
        for object in objects {
            let skipped = object.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
                var reader = JSONWireReader(bytes)
                return (try? reader.skipValue()) != nil && (try? reader.readEnd()) != nil
            }
            guard skipped else { throw BenchmarkError(description: "skipValue declined a \(label) object") }
        }
        times.append(threadCPUMilliseconds() - start)
    }
    print(String(format: "%@ %7d %6.0f %12.0f %6.0f", label.padding(toLength: 30, withPad: " ", startingAt: 0),
                 objects.count, megabytes, median(times), megabytes / median(times) * 1000))
}

private func row<T: JSONWireReadable & Decodable & Equatable>(_ label: String, _ objects: [Data], _ type: T.Type, runs: Int) throws {
    let megabytes = Double(objects.reduce(0) { $0 + $1.count }) / 1e6
    let decoder = JSONDecoder()
    var fast: [Double] = [], exact: [Double] = []
    for _ in 0..<runs {
        var read: [T] = [], decoded: [T] = []
        read.reserveCapacity(objects.count)
        decoded.reserveCapacity(objects.count)
        let fastStart = threadCPUMilliseconds()
        for object in objects {
            guard let value = object.withUnsafeBytes({ T.readJSON($0) }) else { throw BenchmarkError(description: "readJSON declined a \(label) object") }
            read.append(value)
        }
        fast.append(threadCPUMilliseconds() - fastStart)
        let exactStart = threadCPUMilliseconds()
        for object in objects { decoded.append(try decoder.decode(T.self, from: object)) }
        exact.append(threadCPUMilliseconds() - exactStart)
        guard read == decoded else { throw BenchmarkError(description: "readJSON and JSONDecoder differ on \(label)") }
    }
    print(String(format: "%@ %7d %6.0f %12.0f %6.0f %14.0f %6.0f %8.1f×", label.padding(toLength: 30, withPad: " ", startingAt: 0),
                 objects.count, megabytes, median(fast), megabytes / median(fast) * 1000, median(exact), megabytes / median(exact) * 1000,
                 median(exact) / median(fast)))
}
