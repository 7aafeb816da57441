import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Manifests
import Ruleset

/// The example cluster under examples/cluster, compiled for node-1 as the agent's --dry-run does.
enum ExampleCluster {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/cluster")

    static func builder() throws -> ClusterBuilder {
        var builder = ClusterBuilder()
        for document in try ManifestReader.read(paths: [directory.path]) {
            if case .object(let object) = try document.decode() { try builder.add(object) }
        }
        return builder
    }

    static func ruleset(_ builder: ClusterBuilder? = nil, tableName: String = "netpol-agent") throws -> Ruleset {
        PolicyCompiler.compile((try builder ?? self.builder()).state, node: "node-1", options: CompilerOptions(tableName: tableName))
    }

    /// With `--unknown-pod-ips deny --pod-cidr 10.244.1.0/24 --pod-cidr fd00:10:244:1::/64 --node-egress policy`.
    static func strictRuleset() throws -> Ruleset {
        let network = NodeNetwork(podCIDRs: [CIDR("10.244.1.0/24")!, CIDR("fd00:10:244:1::/64")!],
                                  addresses: [IPAddress("10.244.1.1")!, IPAddress("fd00:10:244:1::1")!])
        return PolicyCompiler.compile(try builder().state, node: "node-1",
                                      options: CompilerOptions(unknownPodIPs: .deny, nodeEgress: .policy), network: network)
    }

    /// With ClusterNetworkPolicies of both tiers using every peer and protocol form, a rule that fails
    /// closed, and Nodes: Admin and Baseline chains, goto, node sets, the (address . protocol . port)
    /// named-port sets and the input hook's node_egress maps.
    /// `edit` changes the cluster before it is compiled.
    static func clusterPolicyRuleset(_ edit: (inout ClusterState) -> Void = { _ in }) throws -> Ruleset {
        var state = try builder().state
        let everyPod = ClusterPolicyPeer.namespaces(.everything)
        var failing = ClusterPolicyRule(action: .pass, peers: [everyPod])
        failing.failsClosed = "to[0]: no field this agent knows"
        state.nodes = [ClusterNode(name: "node-1", labels: ["role": "worker"], addresses: [IPAddress("10.244.1.1")!, IPAddress("fd00:10:244:1::1")!]),
                       ClusterNode(name: "node-2", addresses: [IPAddress("192.168.0.2")!])]
        state.clusterPolicies = [
            ClusterNetworkPolicy(name: "guardrails", tier: .admin, priority: 10, subject: .namespaces(.everything), ingress: [
                ClusterPolicyRule(name: "named", action: .deny, peers: [everyPod], protocols: [.namedPort("http"), .ports(.udp, 53...53)]),
                ClusterPolicyRule(action: .pass, peers: [.pods(namespaces: .everything, pods: .everything)]),
            ], egress: [
                ClusterPolicyRule(name: "vault", action: .deny, peers: [.networks([CIDR("10.99.0.0/16")!, CIDR("fd00:99::/48")!])]),
                ClusterPolicyRule(action: .accept, peers: [.nodes(LabelSelector(requirements: [.init(key: "role", op: .exists)]))],
                                  protocols: [.ports(.tcp, 10250...10259), .namedPort("metrics")]),
                failing,
            ]),
            ClusterNetworkPolicy(name: "default-deny", tier: .baseline, priority: 0, subject: .namespaces(.everything),
                                 ingress: [ClusterPolicyRule(action: .deny, peers: [everyPod])]),
        ]
        edit(&state)
        return PolicyCompiler.compile(state, node: "node-1", options: CompilerOptions())
    }
}
