import CMalloc
import ClusterCache
import ClusterModel
import Foundation
import KubeClient
import Logging

/// Heap bytes the cache holds per pod: pods are decoded one at a time (as a watch delivers them)
/// into an otherwise empty cache, and the heap in use is compared before and after.
enum CacheFootprint {
    static func bytesPerPod(_ cluster: SyntheticCluster) throws -> Double {
        let decoder = JSONDecoder()
        let before = heap_bytes_in_use()
        var cache: ClusterCache? = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "footprint"))
        cache!.namespaceSink.beginRelist()
        cache!.namespaceSink.endRelist()
        cache!.policySink.beginRelist()
        cache!.policySink.endRelist()
        cache!.podSink.beginRelist()
        for index in 0..<cluster.podCount {
            let json = try JSONSerialization.data(withJSONObject: cluster.pod(index))
            cache!.podSink.relisted([try decoder.decode(DecodedObject<PodObject>.self, from: json)])
        }
        cache!.podSink.endRelist()
        // What the reconciler has not taken yet is not part of the steady state.
        _ = cache!.drainChanges()
        let after = heap_bytes_in_use()
        precondition(cache!.counts.pods == cluster.podCount)
        cache = nil
        return Double(after - before) / Double(cluster.podCount)
    }
}
