import ClusterModel

/// Everything the compiler reads: validated objects of the whole cluster.
public struct ClusterState: Sendable {
    public var namespaces: [Namespace]
    public var pods: [Pod]
    public var policies: [NetworkPolicy]
    public var clusterPolicies: [ClusterNetworkPolicy]
    /// Every Node, for ClusterNetworkPolicy `nodes` peers.
    public var nodes: [ClusterNode]

    public init(namespaces: [Namespace] = [], pods: [Pod] = [], policies: [NetworkPolicy] = [],
                clusterPolicies: [ClusterNetworkPolicy] = [], nodes: [ClusterNode] = []) {
        self.namespaces = namespaces
        self.pods = pods
        self.policies = policies
        self.clusterPolicies = clusterPolicies
        self.nodes = nodes
    }
}

public struct CompilerOptions: Sendable {
    /// What happens to traffic no policy allows.
    public enum DenyAction: String, Sendable, CaseIterable {
        /// Silently discard, as Calico and Cilium do.
        case drop
        /// ICMP administratively prohibited, so clients fail at once instead of timing out.
        case reject
    }

    /// Traffic of an address in the node's pod CIDRs that no known pod holds (a pod the API server
    /// has not reported yet).
    public enum UnknownPodIPs: String, Sendable, CaseIterable {
        /// Passes unisolated, as upstream NetworkPolicy implementations do.
        case allow
        /// Dropped until the pod is known (the node's own addresses excepted).
        case deny
    }

    /// Traffic from local pods to their own node's addresses.
    public enum NodeEgress: String, Sendable, CaseIterable {
        /// Always allowed, as the NetworkPolicy docs say.
        case allow
        /// Judged by the pods' egress policies like any other destination.
        case policy
    }

    public var tableName: String
    public var denyAction: DenyAction
    public var unknownPodIPs: UnknownPodIPs
    public var nodeEgress: NodeEgress
    /// The conntrack label bit that marks connections a policy change revoked; their packets are
    /// dropped before replies of established connections are accepted. nil: established connections
    /// stay open whatever the policies say (`--keep-established`).
    public var revocationLabelBit: UInt8?
    /// With `--log-denied`: where and how fast every deny rule logs; nil: deny rules do not log.
    public var denyLogging: DenyLogging?

    public static let defaultRevocationLabelBit: UInt8 = 100

    public init(tableName: String = "netpol-agent", denyAction: DenyAction = .drop, unknownPodIPs: UnknownPodIPs = .allow,
                nodeEgress: NodeEgress = .allow, revocationLabelBit: UInt8? = defaultRevocationLabelBit, denyLogging: DenyLogging? = nil) {
        self.denyLogging = denyLogging
        self.tableName = tableName
        self.denyAction = denyAction
        self.unknownPodIPs = unknownPodIPs
        self.nodeEgress = nodeEgress
        self.revocationLabelBit = revocationLabelBit
    }
}
