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

    public init(tableName: String = "netpol-agent", denyAction: DenyAction = .drop) {
        self.tableName = tableName
        self.denyAction = denyAction
    }
}
