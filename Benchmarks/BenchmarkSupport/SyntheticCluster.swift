import ClusterModel
import Compiler
import IPAddressing

/// A deterministic synthetic cluster: realistic shapes, no randomness, so runs compare. 100 pods per
/// namespace and per node, each node's pods spread over namespaces; 10 apps per namespace; each policy
/// selects one app and allows it from pods, other namespaces, CIDRs and named ports; ClusterNetworkPolicies
/// as `SyntheticClusterPolicies` makes them.
public enum SyntheticCluster {
    public static func make(pods podCount: Int, policies policyCount: Int, clusterPolicies: Int = 0) -> ClusterState {
        let podsPerNamespace = 100
        let namespaceCount = max(1, podCount / podsPerNamespace)
        let nodeCount = max(1, podCount / 100)
        let namespaces = (0..<namespaceCount).map {
            Namespace(name: "ns-\($0)", labels: ["kubernetes.io/metadata.name": "ns-\($0)", "team": "team-\($0 % 20)"])
        }
        let pods = (0..<podCount).map { index in
            let namespace = index % namespaceCount
            let app = (index / namespaceCount) % 10
            return Pod(namespace: "ns-\(namespace)", name: "pod-\(index)",
                       labels: ["app": "app-\(app)", "tier": app < 5 ? "front" : "back"],
                       // Spread each node's pods over many namespaces, as a scheduler would.
                       nodeName: "node-\((index + index / namespaceCount) % nodeCount)",
                       addresses: [.v4(0x0a00_0000 + UInt32(index) + 1), .v6(UInt128(0xfd00) << 112 + UInt128(index) + 1)],
                       namedPorts: [NamedPort(name: "http", proto: .tcp, port: UInt16(8000 + app)),
                                    NamedPort(name: "metrics", proto: .tcp, port: 9100)],
                       creationTimestamp: "2026-01-01T00:00:00Z")
        }
        let policies = (0..<policyCount).map { index in policy(index, namespaceCount: namespaceCount) }
        return ClusterState(namespaces: namespaces, pods: pods, policies: policies,
                            clusterPolicies: SyntheticClusterPolicies.make(clusterPolicies, namespaceCount: namespaceCount))
    }

    private static func policy(_ index: Int, namespaceCount: Int) -> NetworkPolicy {
        let namespace = "ns-\(index % namespaceCount)"
        let app = (index / namespaceCount) % 10
        let sameNamespacePeer = Peer.pods(namespaces: .named(namespace), pods: selector("app", "app-\((app + 1) % 10)"))
        let teamPeer = Peer.pods(namespaces: .selected(selector("team", "team-\(index % 20)")), pods: selector("tier", "front"))
        let block = IPBlock(cidr: CIDR("10.\(index % 200).0.0/16")!, except: [CIDR("10.\(index % 200).1.0/24")!])
        return NetworkPolicy(
            namespace: namespace, name: "policy-\(index)", podSelector: selector("app", "app-\(app)"),
            isolatesIngress: true, isolatesEgress: index % 3 == 0,
            ingress: [
                PolicyRule(peers: [sameNamespacePeer, teamPeer],
                           ports: [PolicyPort(proto: .tcp, target: .named("http")), PolicyPort(proto: .tcp, target: .numbers(443...443))]),
                PolicyRule(peers: [.ipBlock(block)], ports: [PolicyPort(proto: .tcp, target: .numbers(9000...9100))]),
            ],
            egress: [
                PolicyRule(peers: [sameNamespacePeer], ports: [PolicyPort(proto: .tcp, target: .named("http"))]),
                PolicyRule(peers: nil, ports: [PolicyPort(proto: .udp, target: .numbers(53...53)), PolicyPort(proto: .tcp, target: .numbers(53...53))]),
            ])
    }

    private static func selector(_ key: String, _ value: String) -> LabelSelector {
        LabelSelector(requirements: [.init(key: key, op: .in([value]))])
    }
}
