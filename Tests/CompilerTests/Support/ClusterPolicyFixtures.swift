import ClusterModel
import Compiler
import IPAddressing
import Ruleset

/// A small two-node cluster for ClusterNetworkPolicy tests: node-1 is the local node.
/// - alpha (team a): web-1 on node-1, web-2 on node-2; both serve a containerPort named `web` (TCP 8080)
///   and one named `dns` (UDP 5353).
/// - beta (team b): db-1 on node-1, db-2 on node-2.
/// - monitoring (team mon): prom-2 on node-2; a hostNetwork pod on node-2 (never a pod peer).
enum TestCluster {
    static let web1 = "10.0.1.1", db1 = "10.0.1.2", web2 = "10.0.2.1", db2 = "10.0.2.2", prom2 = "10.0.2.3"
    static let web1v6 = "fd00:1::1"
    static let node1 = "192.168.0.1", node2 = "192.168.0.2", node2v6 = "fd00:ff::2", external = "203.0.113.5"

    static func state(policies: [String] = [], clusterPolicies: [ClusterNetworkPolicy] = []) throws -> ClusterState {
        let webPorts: [(String?, Int, String?)] = [("web", 8080, "TCP"), ("dns", 5353, "UDP")]
        var state = try cluster([
            Manifest.namespace("alpha", labels: ["team": "a"]),
            Manifest.namespace("beta", labels: ["team": "b"]),
            Manifest.namespace("monitoring", labels: ["team": "mon"]),
            Manifest.pod("web-1", ns: "alpha", labels: ["app": "web"], ips: [web1, web1v6], ports: webPorts),
            Manifest.pod("web-2", ns: "alpha", labels: ["app": "web"], ips: [web2], node: "node-2", ports: webPorts),
            Manifest.pod("db-1", ns: "beta", labels: ["app": "db"], ips: [db1]),
            Manifest.pod("db-2", ns: "beta", labels: ["app": "db"], ips: [db2], node: "node-2"),
            Manifest.pod("prom-2", ns: "monitoring", labels: ["app": "prom"], ips: [prom2], node: "node-2"),
            Manifest.pod("agent-2", ns: "monitoring", labels: ["app": "prom"], ips: [node2], node: "node-2", hostNetwork: true),
        ] + policies)
        state.nodes = [ClusterNode(name: "node-1", labels: ["role": "worker"], addresses: [ip(node1)]),
                       ClusterNode(name: "node-2", labels: ["role": "infra"], addresses: [ip(node2), ip(node2v6)])]
        state.clusterPolicies = clusterPolicies
        return state
    }

    static func compiled(policies: [String] = [], _ clusterPolicies: [ClusterNetworkPolicy],
                         options: CompilerOptions = CompilerOptions()) throws -> Ruleset {
        compile(try state(policies: policies, clusterPolicies: clusterPolicies), options: options)
    }
}

extension LabelSelector {
    /// matchLabels.
    static func labels(_ labels: [String: String]) -> LabelSelector {
        LabelSelector(requirements: labels.map { LabelSelector.Requirement(key: $0.key, op: .in([$0.value])) })
    }
}

extension ClusterNetworkPolicy {
    static func admin(_ name: String, priority: Int = 10, subject: ClusterPolicySubject = .namespaces(.everything),
                      ingress: [ClusterPolicyRule] = [], egress: [ClusterPolicyRule] = []) -> ClusterNetworkPolicy {
        ClusterNetworkPolicy(name: name, tier: .admin, priority: priority, subject: subject, ingress: ingress, egress: egress)
    }

    static func baseline(_ name: String, priority: Int = 10, subject: ClusterPolicySubject = .namespaces(.everything),
                         ingress: [ClusterPolicyRule] = [], egress: [ClusterPolicyRule] = []) -> ClusterNetworkPolicy {
        ClusterNetworkPolicy(name: name, tier: .baseline, priority: priority, subject: subject, ingress: ingress, egress: egress)
    }
}

extension ClusterPolicySubject {
    static func namespace(team: String) -> ClusterPolicySubject { .namespaces(.labels(["team": team])) }
}

extension ClusterPolicyPeer {
    static let everyPod = ClusterPolicyPeer.namespaces(.everything)
    static func team(_ team: String) -> ClusterPolicyPeer { .namespaces(.labels(["team": team])) }
}

extension ClusterPolicyRule {
    static func accept(_ peers: ClusterPolicyPeer..., protocols: [ClusterPolicyProtocol]? = nil, name: String? = nil) -> ClusterPolicyRule {
        ClusterPolicyRule(name: name, action: .accept, peers: peers, protocols: protocols)
    }

    static func deny(_ peers: ClusterPolicyPeer..., protocols: [ClusterPolicyProtocol]? = nil, name: String? = nil) -> ClusterPolicyRule {
        ClusterPolicyRule(name: name, action: .deny, peers: peers, protocols: protocols)
    }

    static func pass(_ peers: ClusterPolicyPeer..., protocols: [ClusterPolicyProtocol]? = nil, name: String? = nil) -> ClusterPolicyRule {
        ClusterPolicyRule(name: name, action: .pass, peers: peers, protocols: protocols)
    }
}

extension ClusterPolicyProtocol {
    static func tcp(_ port: UInt16) -> ClusterPolicyProtocol { .ports(.tcp, port...port) }
    static func udp(_ port: UInt16) -> ClusterPolicyProtocol { .ports(.udp, port...port) }
}
