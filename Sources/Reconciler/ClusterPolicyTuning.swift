import ClusterCache

/// Timing of ClusterNetworkPolicy discovery.
public struct ClusterPolicyTuning: Sendable {
    /// How often the agent asks again whether the API server serves ClusterNetworkPolicies (it also
    /// asks at once when a request for them fails).
    public var recheckInterval: Duration = .seconds(60)
    /// How long discovery must keep answering "not served" before the rules leave: a restarting
    /// kube-apiserver answers 404 for a CRD's group until its CRD handlers have synced
    /// (apiextensions-apiserver), and Admin Denies must not lapse for that.
    public var absenceConfirmation: Duration = .seconds(5)

    public init() {}
}
