import ClusterModel
import Foundation
import KubeClient

/// The synthetic cluster as the API server sends it: each object's JSON by collection (what the
/// replay responder lists), the size of a pod's watch line, and what decoding one costs the agent.
struct RecordedCluster {
    var collections: [String: [Data]] = [:]
    var eventBytes: (median: Int, p99: Int)
    /// Decoding one pod ADDED line as the watch does, and validating the pod as the cache does.
    var decodeMicroseconds: Double
    /// The same with the line decoded by JSONDecoder alone, as before the fast path.
    var jsonDecoderMicroseconds: Double
    /// The same for `RealisticPod`.
    var realisticEventBytes: Int
    var realisticDecodeMicroseconds: Double
    var realisticJSONDecoderMicroseconds: Double

    init(_ cluster: SyntheticCluster) throws {
        func json(_ object: [String: Any]) throws -> Data {
            var object = object
            var metadata = object["metadata"] as! [String: Any]
            metadata["resourceVersion"] = "1"
            object["metadata"] = metadata
            return try JSONSerialization.data(withJSONObject: object)
        }
        collections[NamespacesResource.path] = try (0..<cluster.namespaces).map { try json(cluster.namespace($0)) }
        collections[PodsResource.path] = try (0..<cluster.podCount).map { try json(cluster.pod($0)) }
        collections[NetworkPoliciesResource.path] = try (0..<cluster.policyCount).map { try json(cluster.policy($0)) }

        let envelope = Data(#"{"type":"ADDED","object":"#.utf8), end = Data("}\n".utf8)
        let lines = collections[PodsResource.path]!.map { envelope + $0 + end }
        let sizes = lines.map(\.count).sorted()
        eventBytes = (Percentiles.median(sizes), sizes[min(sizes.count - 1, sizes.count * 99 / 100)])

        let sample = Array(lines.prefix(20_000))
        decodeMicroseconds = try Self.decodeMicroseconds(sample, byJSONDecoder: false)
        jsonDecoderMicroseconds = try Self.decodeMicroseconds(sample, byJSONDecoder: true)
        realisticEventBytes = RealisticPod.watchLine.utf8.count + 1
        let realistic = Array(repeating: Data((RealisticPod.watchLine + "\n").utf8), count: 5_000)
        realisticDecodeMicroseconds = try Self.decodeMicroseconds(realistic, byJSONDecoder: false)
        realisticJSONDecoderMicroseconds = try Self.decodeMicroseconds(realistic, byJSONDecoder: true)
    }

    /// Per line: decoded as the watch stream does (or by JSONDecoder alone), the pod validated as
    /// the cache does.
    static func decodeMicroseconds(_ lines: [Data], byJSONDecoder: Bool) throws -> Double {
        let decoder = JSONDecoder()
        var stream = WatchStreamDecoder<PodObject>()
        var events: [WatchEvent<PodObject>] = []
        let started = ContinuousClock.now
        for line in lines {
            if byJSONDecoder {
                events = [try decoder.decode(WatchEvent<PodObject>.self, from: line)]
            } else {
                events.removeAll(keepingCapacity: true)
                try line.withUnsafeBytes { bytes in try stream.feed(bytes) { events.append($0) } }
            }
            switch events.count == 1 ? events.first : nil {
            case .added(.valid(let object))?, .modified(.valid(let object))?: _ = try Pod(validating: object)
            default: throw BenchmarkError("a recorded pod line did not decode")
            }
        }
        return (ContinuousClock.now - started).milliseconds * 1000 / Double(lines.count)
    }
}
