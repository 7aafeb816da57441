import ClusterCache
import ClusterModel
import Compiler
import IPAddressing
import KubeClient
import Logging
import Synchronization
import Testing

/// The agent's own Node in the cache: its pod CIDRs and addresses, the last valid version kept.
struct NodeNetworkCacheTests {
    /// Kinds the cache reported as rejected.
    final class Rejections: Sendable {
        let kinds = Mutex<[String]>([])
    }

    let rejected = Rejections()

    static func node(_ cidrs: [String], addresses: [(String, String)] = [("InternalIP", "192.0.2.1"), ("Hostname", "node-1")])
        -> DecodedObject<NodeObject> {
        .valid(NodeObject(metadata: ObjectMeta(name: "node-1"), spec: .init(podCIDR: cidrs.first, podCIDRs: cidrs),
                          status: .init(addresses: addresses.map { NodeObject.Address(type: $0.0, address: $0.1) })))
    }

    @Test func podCIDRsAndIPAddressesAreReadAndBadUpdatesKeepTheLastValidVersion() {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"), onRejected: { [rejected] kind in
            rejected.kinds.withLock { $0.append(kind) }
        })
        #expect(cache.nodeNetwork == nil, "unknown until the Node is read")
        cache.nodeSink.upsert(Self.node(["10.244.1.0/24", "fd00:1::/64"]))
        let valid = NodeNetwork(podCIDRs: [CIDR("10.244.1.0/24")!, CIDR("fd00:1::/64")!], addresses: [IPAddress("192.0.2.1")!])
        #expect(cache.nodeNetwork == valid, "Hostname is not an address")

        cache.nodeSink.upsert(Self.node(["10.244.1.0/33"]))
        cache.nodeSink.upsert(Self.node(["10.244.2.0/24"], addresses: [("InternalIP", "not-an-ip")]))
        cache.nodeSink.upsert(.invalid(ObjectMeta(name: "node-1"), reason: "spec: expected an object"))
        cache.nodeSink.delete(Self.node(["10.244.1.0/24"]))
        #expect(cache.nodeNetwork == valid, "neither a bad update nor a deletion drops what is in force")
        #expect(rejected.kinds.withLock { $0 } == ["Node", "Node", "Node"])
    }

    @Test func validationNamesTheNodeAndTheField() {
        #expect(throws: ValidationError(object: ObjectReference(kind: "Node", namespace: nil, name: "node-1"),
                                        field: "spec.podCIDRs[1]", message: "invalid CIDR \"fd00::/129\"")) {
            guard case .valid(let node) = Self.node(["10.244.1.0/24", "fd00::/129"]) else { return }
            _ = try NodeNetwork(validating: node)
        }
        let old = NodeObject(metadata: ObjectMeta(name: "node-1"), spec: .init(podCIDR: "10.244.1.0/24"))
        #expect((try? NodeNetwork(validating: old))?.podCIDRs == [CIDR("10.244.1.0/24")!], "spec.podCIDR alone, as older servers set it")
    }
}
