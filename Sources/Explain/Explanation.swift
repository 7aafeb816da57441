/// The answer for one connection: the verdict, then what each direction's node decided and why.
/// Encoded as is for `--output json`.
public struct Explanation: Codable, Hashable, Sendable {
    public var allowed: Bool
    public var from: Side
    public var to: Side
    public var `protocol`: String
    public var port: UInt16
    public var family: String
    public var egress: DirectionReport
    public var ingress: DirectionReport

    /// One end of the connection.
    public struct Side: Codable, Hashable, Sendable {
        public var address: String
        /// `namespace/name` of the pod holding the address; nil outside the cluster.
        public var pod: String?
        public var node: String?

        /// The pod's name, or the address.
        public var label: String { pod ?? address }
    }
}

/// What one direction's node decided: the source pod's egress, or the destination pod's ingress.
public struct DirectionReport: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        /// This side is an address outside the cluster (or a pod on no node): nothing judges it.
        case unjudged
        /// No policy isolates the pod in this direction: allowed.
        case notIsolated = "not-isolated"
        case allowed
        case denied
        /// The walk ended before this direction (the other direction denied first on the same node).
        case notReached = "not-reached"
    }

    public var direction: String
    /// The pod judged (the source for egress, the destination for ingress).
    public var pod: String?
    /// The node whose table judges it.
    public var node: String?
    /// The hook it is judged on: `forward`, or `input` for a pod's connection to its own node's address.
    public var hook: String?
    public var status: Status
    /// The NetworkPolicies isolating the pod in this direction, in the order the chain tries them
    /// (when the walk reached the NetworkPolicy tier).
    public var isolatedBy: [String] = []
    /// The ClusterNetworkPolicy tiers the walk went through, in order: `Admin: name, name`, `Baseline: name`.
    public var clusterPolicies: [String] = []
    /// The rule that allowed the connection, as the ruleset's comments name it: `namespace/name direction[index]`,
    /// or a ClusterNetworkPolicy Accept rule.
    public var allowedBy: String?
    /// The ClusterNetworkPolicy rule that denied the connection (Deny, a rule failing closed, an unreadable policy).
    public var deniedBy: String?
    /// ClusterNetworkPolicy Pass rules that handed the connection to the next tier, in order.
    public var passedBy: [String] = []
    /// Why each rule tried did not admit the connection, in chain order.
    public var unmatched: [RuleMismatch] = []
}

/// A policy rule that did not admit the connection, and why.
public struct RuleMismatch: Codable, Hashable, Sendable {
    /// `namespace/name direction[index]`, or `namespace/name` for a policy without rules in this direction.
    public var rule: String
    public var reason: String

    public init(rule: String, reason: String) {
        self.rule = rule
        self.reason = reason
    }
}
