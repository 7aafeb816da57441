@testable import ClusterCache
import ClusterModel
import Foundation
import IPAddressing
import KubeClient
import Logging
import Testing

/// The cache keeps one copy of what the pods of a workload have in common, and lets go of values
/// no pod holds any more.
struct CacheSharingTests {
    /// Whether two values use the same storage (the same bits: for a dictionary, array or
    /// non-inline string, the same heap object).
    static func sharesStorage<T>(_ first: T, _ second: T) -> Bool {
        withUnsafeBytes(of: first) { a in withUnsafeBytes(of: second) { b in a.elementsEqual(b) } }
    }

    /// Decoded from JSON, as the watch delivers it: every pod's strings and collections are allocations of their own.
    static func decodedPod(_ name: String, ip: String, labels: String = #""app":"web","pod-template-hash":"7d9f8b6c4""#,
                           node: String = "ip-10-0-0-1.eu-west-1.compute.internal") -> DecodedObject<PodObject> {
        let json = """
            {"metadata":{"name":"\(name)","namespace":"payments-production","labels":{\(labels)},"creationTimestamp":"2026-01-01T00:00:00Z"},
             "spec":{"nodeName":"\(node)","containers":[{"name":"main","ports":[{"name":"http","containerPort":8080}]}]},
             "status":{"phase":"Running","podIP":"\(ip)"}}
            """
        return try! JSONDecoder().decode(DecodedObject<PodObject>.self, from: Data(json.utf8))
    }

    @Test func podsOfOneWorkloadShareWhatTheyHaveInCommon() throws {
        // Failed before the pool: each pod kept its own labels, namespace, node name, ports and timestamp.
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))
        relist(cache.namespaceSink, [])
        relist(cache.policySink, [])
        relist(cache.podSink, [Self.decodedPod("web-1", ip: "10.0.0.1"), Self.decodedPod("web-2", ip: "10.0.0.2")])
        let pods = try #require(cache.drainChanges()).pods.compactMap { change -> Pod? in
            if case .upsert(let pod) = change { return pod }
            return nil
        }
        try #require(pods.count == 2)
        let (first, second) = (pods[0], pods[1])
        #expect(first.labels == ["app": "web", "pod-template-hash": "7d9f8b6c4"])
        #expect(Self.sharesStorage(first.labels, second.labels))
        #expect(Self.sharesStorage(first.namespace, second.namespace))
        #expect(Self.sharesStorage(first.nodeName, second.nodeName))
        #expect(Self.sharesStorage(first.namedPorts, second.namedPorts))
        #expect(Self.sharesStorage(first.creationTimestamp, second.creationTimestamp))
        #expect(first.addresses != second.addresses, "what differs stays apart")
    }

    @Test func aChangedPodIsStillSeenAsChanged() throws {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))
        relist(cache.namespaceSink, [])
        relist(cache.policySink, [])
        relist(cache.podSink, [Self.decodedPod("web-1", ip: "10.0.0.1")])
        _ = cache.drainChanges()
        cache.podSink.upsert(Self.decodedPod("web-1", ip: "10.0.0.1"))
        #expect(try #require(cache.drainChanges()).isEmpty, "an equal pod is no change")
        cache.podSink.upsert(Self.decodedPod("web-1", ip: "10.0.0.1", labels: #""app":"web","pod-template-hash":"55c8d4f9b""#))
        let changes = try #require(cache.drainChanges())
        guard case .upsert(let pod)? = changes.pods.first else { Issue.record("the relabelled pod was not drained"); return }
        #expect(pod.labels["pod-template-hash"] == "55c8d4f9b")
    }

    @Test func aPoolRebuildLeavesStoredPodsShared() throws {
        // A stored pod is shared with whoever else holds it (the compiler's index holds every one): a
        // rebuild of the pool, whose values the stored pods already hold, must not copy them apart.
        var store = ObjectStore<Pod>()
        var held: [Pod] = []
        // A label set of its own per pod: 1,100 of them pass the pool's first rebuild, at 1,024 values.
        for index in 0..<1100 {
            let key = ObjectKey(namespace: "payments-production", name: "web-\(index)")
            _ = store.upsert(Pod(namespace: key.namespace, name: key.name, labels: ["pod-template-hash": "h\(index)"],
                                 addresses: [try #require(IPAddress("10.0.\(index / 250).\(index % 250)"))],
                                 creationTimestamp: "2026-01-01T00:00:00Z"))
            held.append(try #require(store[key]))
        }
        let apart = held.filter { pod in !Self.sharesStorage(pod, store[ObjectKey(namespace: pod.namespace, name: pod.name)]!) }.count
        #expect(apart == 0, "stored pods copied apart from their holders")
    }

    @Test func thePoolLetsGoOfValuesNoPodHolds() throws {
        // Rollouts replace every pod by one with a new pod-template-hash: values of the old pods must not pile up.
        var store = ObjectStore<Pod>()
        let width = 3000
        for generation in 0..<6 {
            for index in 0..<width {
                if generation > 0 { _ = store.remove(ObjectKey(namespace: "payments-production", name: "web-\(generation - 1)-\(index)")) }
                let address = try #require(IPAddress("10.0.\(index / 250).\(index % 250)"))
                _ = store.upsert(Pod(namespace: "payments-production", name: "web-\(generation)-\(index)",
                                     labels: ["app": "web", "pod-template-hash": "g\(generation)-\(index)"],
                                     nodeName: "ip-10-0-0-1.eu-west-1.compute.internal", addresses: [address],
                                     creationTimestamp: "2026-01-01T00:00:00Z"))
            }
        }
        #expect(store.count == width)
        // Each live pod holds one label set of its own; the rest (namespace, node, timestamp) is shared.
        #expect(store.pooledValues <= 2 * (width + 3), "pooled values: \(store.pooledValues)")
    }
}
