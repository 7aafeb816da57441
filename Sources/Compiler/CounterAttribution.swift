import ClusterModel

/// What one named counter of the compiled table counts, so that its kernel readings can be reported per
/// policy, tier and direction (see `NodeCompiler.counterAttribution`).
///
/// The counters see the packets the policy chains judge: the first packets of each connection. Replies
/// and later packets of an allowed connection are accepted by conntrack before any chain runs.
/// - An allowed counter belongs to one policy: every rule of that policy in that direction adds to it,
///   in whichever chains the policy appears. A chain tries its policies in name order and stops at the
///   first rule that allows the packet, so traffic several policies allow counts for the first one only.
/// - A denied counter belongs to one chain and the policies that chain enforces together. A packet none
///   of them allows is denied by all of them at once, so the reading counts for every policy in
///   `policies`. Summed over policies, denied figures can therefore count a packet more than once.
/// - A ClusterNetworkPolicy counter belongs to one rule of one ClusterNetworkPolicy (`clusterRule`), and
///   counts what that rule decided: the first matching rule decides, so a packet counts once per tier.
public struct CounterAttribution: Hashable, Sendable {
    public enum Verdict: String, Hashable, Sendable {
        case allowed, denied
        /// A ClusterNetworkPolicy Pass rule handed the packet to the next tier.
        case passed
    }

    /// One policy for an allowed counter; the chain's policies, in chain order, for a denied one.
    public var policies: [ObjectReference]
    public var direction: Direction
    public var verdict: Verdict
    public var tier: PolicyTier
    /// The ClusterNetworkPolicy rule counted; nil for NetworkPolicy counters and for the stand-in of an
    /// unreadable ClusterNetworkPolicy.
    public var clusterRule: ClusterRuleIdentity?

    public init(policies: [ObjectReference], direction: Direction, verdict: Verdict, tier: PolicyTier = .networkPolicy,
                clusterRule: ClusterRuleIdentity? = nil) {
        self.policies = policies
        self.direction = direction
        self.verdict = verdict
        self.tier = tier
        self.clusterRule = clusterRule
    }
}

/// Where a policy is evaluated, per direction: Admin, then NetworkPolicy, then Baseline.
public enum PolicyTier: String, Hashable, Sendable, CaseIterable {
    case admin = "Admin", networkPolicy = "NetworkPolicy", baseline = "Baseline"

    public init(_ tier: ClusterNetworkPolicy.Tier) { self = tier == .admin ? .admin : .baseline }
}

/// One rule of a ClusterNetworkPolicy: its position in its direction's list, its name and action as
/// written (a rule that fails closed denies whatever its action says).
public struct ClusterRuleIdentity: Hashable, Sendable {
    public var index: Int
    public var name: String?
    public var action: ClusterPolicyRule.Action

    public init(index: Int, name: String?, action: ClusterPolicyRule.Action) {
        self.index = index
        self.name = name
        self.action = action
    }
}
