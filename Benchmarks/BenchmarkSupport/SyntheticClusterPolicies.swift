import ClusterModel
import IPAddressing

/// Deterministic ClusterNetworkPolicies for the synthetic cluster, shaped like a platform team's:
/// 7 in 10 Admin, the rest Baseline; most select one app of one namespace (so a node's pods meet a
/// few of them), one in 50 every namespace of a team; each has Deny, Pass and Accept rules over
/// namespaces, pods, networks and named ports.
public enum SyntheticClusterPolicies {
    public static func make(_ count: Int, namespaceCount: Int) -> [ClusterNetworkPolicy] {
        (0..<count).map { index in
            let namespace = "ns-\(index % namespaceCount)", app = index % 10
            let subject: ClusterPolicySubject = index % 50 == 0
                ? .namespaces(selector("team", "team-\(index / 50 % 20)"))
                : .pods(namespaces: selector("kubernetes.io/metadata.name", namespace), pods: selector("app", "app-\(app)"))
            return ClusterNetworkPolicy(
                name: "cnp-\(index)", tier: index % 10 < 7 ? .admin : .baseline, priority: index * 7 % 1001, subject: subject,
                ingress: [
                    ClusterPolicyRule(name: "no-ssh", action: .deny, peers: [.namespaces(selector("team", "team-\((index + 1) % 20)"))],
                                      protocols: [.ports(.tcp, 22...22)]),
                    ClusterPolicyRule(name: "neighbours", action: .pass,
                                      peers: [.pods(namespaces: selector("kubernetes.io/metadata.name", namespace),
                                                    pods: selector("app", "app-\((app + 1) % 10)"))]),
                    ClusterPolicyRule(name: "web", action: .accept, peers: [.namespaces(.everything)], protocols: [.namedPort("http")]),
                ],
                egress: [
                    ClusterPolicyRule(name: "vault", action: .deny, peers: [.networks([CIDR("172.16.\(index % 16).0/24")!])]),
                    ClusterPolicyRule(name: "dns", action: .accept, peers: [.namespaces(selector("team", "team-\(index % 20)"))],
                                      protocols: [.ports(.udp, 53...53), .ports(.tcp, 53...53)]),
                ])
        }
    }

    /// `count` Admin CNPs whose subject is `pods` of `namespace`, with rules that ordinary traffic
    /// (not SSH, not from a quarantined namespace or a debug pod) never matches: a connection to those
    /// pods walks every rule of every one, then the NetworkPolicy tier, the most a selected pod pays.
    public static func selecting(namespace: String, pods: [String: String], count: Int) -> [ClusterNetworkPolicy] {
        let podSelector = LabelSelector(requirements: pods.map { .init(key: $0.key, op: .in([$0.value])) })
        return (0..<count).map { index in
            ClusterNetworkPolicy(
                name: "selects-\(namespace)-\(index)", tier: .admin, priority: index,
                subject: .pods(namespaces: selector("kubernetes.io/metadata.name", namespace), pods: podSelector),
                ingress: [
                    ClusterPolicyRule(name: "no-ssh", action: .deny, peers: [.namespaces(.everything)], protocols: [.ports(.tcp, 22...22)]),
                    ClusterPolicyRule(name: "quarantine", action: .deny, peers: [.namespaces(selector("quarantine", "true"))]),
                    ClusterPolicyRule(name: "no-debug", action: .deny, peers: [.pods(namespaces: .everything, pods: selector("app", "debug"))]),
                ],
                egress: [ClusterPolicyRule(name: "vault", action: .deny, peers: [.networks([CIDR("203.0.113.0/24")!])])])
        }
    }

    private static func selector(_ key: String, _ value: String) -> LabelSelector {
        LabelSelector(requirements: [.init(key: key, op: .in([value]))])
    }
}
