import Compiler
import KubeClient
import Ruleset

/// What one pass of the reconciler did, for metrics and health.
public struct ApplyRecord: Sendable {
    public var change: AppliedChange
    /// The netlink transaction alone.
    public var applyDuration: Duration
    /// Compiling plus applying.
    public var syncDuration: Duration
    /// From the arrival of the oldest change this pass took in to the kernel's acknowledgement.
    public var eventToKernel: Duration?
    public var ruleset: Ruleset
    public var cached: (namespaces: Int, pods: Int, policies: Int)
    /// What each named counter of `ruleset` counts, by counter name.
    public var counters: [String: CounterAttribution]
    /// With deny logging: what the deny log needs to name policies and pods for `ruleset`.
    public var denyLog: DenyLogContext?
}

/// Callbacks the agent hooks metrics, health and systemd notification onto. Each defaults to nothing.
public struct SyncHooks: Sendable {
    public var reflectors = ReflectorHooks()
    /// Called with the kind of every object rejected as invalid.
    public var objectRejected: @Sendable (_ kind: String) -> Void = { _ in }
    public var applied: @Sendable (ApplyRecord) -> Void = { _ in }
    public var applyFailed: @Sendable (_ error: String) -> Void = { _ in }
    /// Called at startup and at every resync with what the node check found (empty: every path seen).
    public var nodeChecked: @Sendable (_ unenforced: [UnenforcedPath]) -> Void = { _ in }
    /// Called after every turn of the reconcile loop, whether it wrote or not: the loop is alive.
    public var roundCompleted: @Sendable () -> Void = {}
    /// `--unknown-pod-ips deny` could not (true) or can again (false) be enforced: the node's pod CIDRs are unknown.
    public var unknownPodIPsUnenforced: @Sendable (_ unenforced: Bool) -> Void = { _ in }
    /// Discovery found that the API server serves ClusterNetworkPolicies (true) or does not (false);
    /// called at the first answer and at every change.
    public var clusterPolicyAPIAvailable: @Sendable (_ available: Bool) -> Void = { _ in }

    public init() {}
}
