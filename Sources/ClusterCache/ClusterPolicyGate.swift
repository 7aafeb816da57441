/// Whether the first sync waits for ClusterNetworkPolicies. An agent restarting with Admin Deny
/// rules in the kernel should not replace them by a table without them, so the first sync waits
/// until discovery has answered and, where the API is served, until ClusterNetworkPolicies and Nodes
/// have been listed. But a CRD that is served and not listable (RBAC not yet updated, a broken
/// conversion webhook) must not hold NetworkPolicy enforcement back forever: after `waitUntil` the
/// first sync goes ahead without them, and their rules apply once they are listed. After the first
/// sync nothing waits: a CRD that appears later adds its rules when listed.
public struct ClusterPolicyGate: Sendable {
    /// Long enough for a discovery request and a LIST of a few thousand objects through a backoff.
    public static let defaultWait: Duration = .seconds(30)

    enum API { case undiscovered, absent, served }

    var api = API.undiscovered
    let waitUntil: ContinuousClock.Instant
    var firstSyncDone = false

    init(waitUntil: ContinuousClock.Instant) { self.waitUntil = waitUntil }

    mutating func discovered(served: Bool) { api = served ? .served : .absent }

    /// `listed`: ClusterNetworkPolicies and Nodes have been listed once.
    func allowsSync(listed: Bool) -> Bool {
        if firstSyncDone || api == .absent || (api == .served && listed) { return true }
        return ContinuousClock.now >= waitUntil
    }
}
