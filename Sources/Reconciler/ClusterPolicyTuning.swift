import ClusterCache

/// Timing of ClusterNetworkPolicy discovery.
public struct ClusterPolicyTuning: Sendable {
    /// How often the agent asks again whether the API server serves ClusterNetworkPolicies (it also
    /// asks at once when a request for them fails).
    public var recheckInterval: Duration = .seconds(60)

    public init() {}
}
