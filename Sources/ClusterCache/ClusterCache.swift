import ClusterModel
import Compiler
import KubeClient
import Logging
import Synchronization

/// The cluster as enforcement needs it: validated, slim namespaces, pods and policies, fed by one
/// reflector per kind (through `namespaceSink`, `podSink`, `policySink`).
///
/// - An object that fails to decode or validate is logged by name and field. If an earlier version
///   was valid, that version stays in force (never weaken enforcement on bad input); else a kind may
///   enforce a fail-closed stand-in (a policy isolates its pods), or the object is skipped.
/// - A relist drops whatever it did not list.
/// - `drainChanges` hands the reconciler what changed, but only once every kind has been listed, so
///   the kernel never sees a half-known cluster. A kind being relisted holds its own changes back
///   until its relist completes; the other kinds' changes still flow, on top of the relisting kind's
///   last complete state (a pods relist that keeps failing must not freeze policy changes).
public final class ClusterCache: Sendable {
    struct Stores {
        var namespaces = ObjectStore<Namespace>()
        var pods = ObjectStore<Pod>()
        var policies = ObjectStore<NetworkPolicy>()
        var clusterPolicies = ObjectStore<ClusterNetworkPolicy>()
        var nodes = ObjectStore<ClusterNode>()
        var clusterPolicyGate: ClusterPolicyGate

        /// Every kind has been listed once (ClusterNetworkPolicies and Nodes as `clusterPolicyGate` says).
        var hasSynced: Bool {
            namespaces.hasSynced && pods.hasSynced && policies.hasSynced
                && clusterPolicyGate.allowsSync(listed: clusterPolicies.hasSynced && nodes.hasSynced)
        }

        var counts: (namespaces: Int, pods: Int, policies: Int) { (namespaces.count, pods.count, policies.count) }

        var isSettled: Bool {
            hasSynced && !namespaces.isRelisting && !pods.isRelisting && !policies.isRelisting
        }
    }

    let stores: Mutex<Stores>
    /// The agent's own Node, once known; not part of `hasSynced`: only strict mode needs it.
    let nodeNetworkStore = Mutex<NodeNetwork?>(nil)
    let signal: ChangeSignal
    let logger: Logger
    /// Called with the kind of every object rejected as invalid.
    let onRejected: @Sendable (_ kind: String) -> Void

    /// - Parameter discoversClusterPolicies: the first sync waits for ClusterNetworkPolicies to be
    ///   discovered and, where served, listed (see `ClusterPolicyGate`); false where nothing discovers them.
    public init(signal: ChangeSignal, logger: Logger, discoversClusterPolicies: Bool = false,
                onRejected: @escaping @Sendable (_ kind: String) -> Void = { _ in }) {
        stores = Mutex(Stores(clusterPolicyGate: ClusterPolicyGate(discovering: discoversClusterPolicies)))
        self.signal = signal
        self.logger = logger
        self.onRejected = onRejected
    }

    public var namespaceSink: some ReflectorSink<NamespaceObject> { ResourceSink(cache: self, store: \Stores.namespaces) }
    public var podSink: some ReflectorSink<PodObject> { ResourceSink(cache: self, store: \Stores.pods) }
    public var policySink: some ReflectorSink<NetworkPolicyObject> { ResourceSink(cache: self, store: \Stores.policies) }
    public var nodeSink: some ReflectorSink<NodeObject> { NodeNetworkSink(cache: self) }
    public var clusterPolicySink: some ReflectorSink<ClusterNetworkPolicyObject> {
        ResourceSink(cache: self, store: \Stores.clusterPolicies)
    }
    /// Every Node, for `nodes` peers (`nodeSink` reads the agent's own).
    public var clusterNodeSink: some ReflectorSink<NodeObject> { ResourceSink(cache: self, store: \Stores.nodes) }

    /// The pod CIDRs and addresses of the agent's own Node; nil until it has been read.
    public var nodeNetwork: NodeNetwork? { nodeNetworkStore.withLock { $0 } }

    /// Every kind listed once, and no relist under way.
    public var isSettled: Bool { stores.withLock { $0.isSettled } }

    /// Objects changed since the last call, with their current versions, except those of a kind
    /// being relisted; nil (and nothing drained) until every kind has been listed once.
    public func drainChanges() -> CacheChanges? {
        stores.withLock { stores in
            guard stores.hasSynced else { return nil }
            stores.clusterPolicyGate.firstSyncDone = true
            var changes = CacheChanges()
            changes.namespaces = stores.namespaces.drainUnlessRelisting(since: &changes.since).map(CacheChanges.Change.init)
            changes.pods = stores.pods.drainUnlessRelisting(since: &changes.since).map(CacheChanges.Change.init)
            changes.policies = stores.policies.drainUnlessRelisting(since: &changes.since).map(CacheChanges.Change.init)
            changes.clusterPolicies = stores.clusterPolicies.drainUnlessRelisting(since: &changes.since).map(CacheChanges.Change.init)
            changes.nodes = stores.nodes.drainUnlessRelisting(since: &changes.since).map(CacheChanges.Change.init)
            changes.cached = stores.counts
            return changes
        }
    }

    /// Discovery answered: the API server serves ClusterNetworkPolicies (or not). When they stop being
    /// served, every ClusterNetworkPolicy and Node leaves the cache (their rules leave the table);
    /// returns how many ClusterNetworkPolicies that removed.
    @discardableResult
    public func clusterPolicyAPI(served: Bool) -> Int {
        let removed = stores.withLock { stores in
            stores.clusterPolicyGate.discovered(served: served)
            guard !served else { return 0 }
            _ = stores.nodes.removeAll()
            return stores.clusterPolicies.removeAll()
        }
        signal.notify()
        return removed
    }

    public var counts: (namespaces: Int, pods: Int, policies: Int) { stores.withLock { $0.counts } }
}
