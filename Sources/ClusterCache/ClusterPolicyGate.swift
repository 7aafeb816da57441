/// Whether the first sync waits for ClusterNetworkPolicies. An agent restarting with Admin Deny
/// rules in the kernel must not replace them by a table without them, so, as for the other kinds,
/// nothing is written before discovery has answered and, where the API is served, before
/// ClusterNetworkPolicies and Nodes have been listed once. A CRD that is served and not listable
/// (RBAC not yet updated, a broken conversion webhook) holds the first sync back, with the table in
/// the kernel in force, as an unlistable NetworkPolicy resource would: each failed request is logged
/// and health reports it. After the first sync nothing waits: a CRD that appears later adds its rules
/// when listed.
public struct ClusterPolicyGate: Sendable {
    enum API { case undiscovered, absent, served }

    var api: API
    var firstSyncDone = false

    /// `discovering`: something asks the API server whether it serves ClusterNetworkPolicies; without
    /// it (manifests, tests) they are taken as absent and nothing waits for them.
    init(discovering: Bool) { api = discovering ? .undiscovered : .absent }

    mutating func discovered(served: Bool) { api = served ? .served : .absent }

    /// `listed`: ClusterNetworkPolicies and Nodes have been listed once.
    func allowsSync(listed: Bool) -> Bool {
        firstSyncDone || api == .absent || (api == .served && listed)
    }
}
