import ClusterModel

/// Everything the compiler reads: validated objects of the whole cluster.
public struct ClusterState: Sendable {
    public var namespaces: [Namespace]
    public var pods: [Pod]
    public var policies: [NetworkPolicy]

    public init(namespaces: [Namespace] = [], pods: [Pod] = [], policies: [NetworkPolicy] = []) {
        self.namespaces = namespaces
        self.pods = pods
        self.policies = policies
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

    public var tableName: String
    public var denyAction: DenyAction
    /// The conntrack label bit that marks connections a policy change revoked; their packets are
    /// dropped before replies of established connections are accepted. nil: established connections
    /// stay open whatever the policies say (`--keep-established`).
    public var revocationLabelBit: UInt8?

    public static let defaultRevocationLabelBit: UInt8 = 100

    public init(tableName: String = "netpol-agent", denyAction: DenyAction = .drop,
                revocationLabelBit: UInt8? = defaultRevocationLabelBit) {
        self.tableName = tableName
        self.denyAction = denyAction
        self.revocationLabelBit = revocationLabelBit
    }
}
