import ClusterModel

/// What one named counter of the compiled table counts, so that its kernel readings can be reported per
/// NetworkPolicy and direction (see `NodeCompiler.counterAttribution`).
///
/// The counters see the packets the policy chains judge: the first packets of each connection. Replies
/// and later packets of an allowed connection are accepted by conntrack before any chain runs.
/// - An allowed counter belongs to one policy: every rule of that policy in that direction adds to it,
///   in whichever chains the policy appears. A chain tries its policies in name order and stops at the
///   first rule that allows the packet, so traffic several policies allow counts for the first one only.
/// - A denied counter belongs to one chain and the policies that chain enforces together. A packet none
///   of them allows is denied by all of them at once, so the reading counts for every policy in
///   `policies`. Summed over policies, denied figures can therefore count a packet more than once.
public struct CounterAttribution: Hashable, Sendable {
    public enum Verdict: String, Hashable, Sendable {
        case allowed, denied
    }

    /// One policy for an allowed counter; the chain's policies, in chain order, for a denied one.
    public var policies: [ObjectReference]
    public var direction: Direction
    public var verdict: Verdict

    public init(policies: [ObjectReference], direction: Direction, verdict: Verdict) {
        self.policies = policies
        self.direction = direction
        self.verdict = verdict
    }
}
