import ClusterModel
import KubeClient
import Logging
import Synchronization

/// The cluster as enforcement needs it: validated, slim namespaces, pods and policies, fed by one
/// reflector per kind (through `namespaceSink`, `podSink`, `policySink`).
///
/// - An object that fails to decode or validate is logged by name and field and skipped; if an
///   earlier version was valid, that version stays in force (never weaken enforcement on bad input).
/// - A relist drops whatever it did not list.
/// - `drainChanges` hands the reconciler what changed, but only once every kind has been listed and
///   while none is being relisted, so the kernel never sees a half-known cluster.
public final class ClusterCache: Sendable {
    struct Stores {
        var namespaces = ObjectStore<Namespace>()
        var pods = ObjectStore<Pod>()
        var policies = ObjectStore<NetworkPolicy>()
        /// When the oldest change not yet drained arrived: where event-to-kernel latency starts.
        var pendingSince: ContinuousClock.Instant?

        mutating func noteChange() {
            if pendingSince == nil { pendingSince = .now }
        }

        var isSettled: Bool {
            namespaces.hasSynced && pods.hasSynced && policies.hasSynced
                && !namespaces.isRelisting && !pods.isRelisting && !policies.isRelisting
        }
    }

    let stores = Mutex(Stores())
    let signal: ChangeSignal
    let logger: Logger
    /// Called with the kind of every object rejected as invalid.
    let onRejected: @Sendable (_ kind: String) -> Void

    public init(signal: ChangeSignal, logger: Logger, onRejected: @escaping @Sendable (_ kind: String) -> Void = { _ in }) {
        self.signal = signal
        self.logger = logger
        self.onRejected = onRejected
    }

    public var namespaceSink: some ReflectorSink<NamespaceObject> { ResourceSink(cache: self, store: \Stores.namespaces) }
    public var podSink: some ReflectorSink<PodObject> { ResourceSink(cache: self, store: \Stores.pods) }
    public var policySink: some ReflectorSink<NetworkPolicyObject> { ResourceSink(cache: self, store: \Stores.policies) }

    /// Every kind listed once, and no relist under way.
    public var isSettled: Bool { stores.withLock { $0.isSettled } }

    /// Objects changed since the last call, with their current versions; nil (and nothing drained)
    /// until the cache is settled.
    public func drainChanges() -> CacheChanges? {
        stores.withLock { stores in
            guard stores.isSettled else { return nil }
            var changes = CacheChanges()
            changes.namespaces = stores.namespaces.drain().map(CacheChanges.Change.init)
            changes.pods = stores.pods.drain().map(CacheChanges.Change.init)
            changes.policies = stores.policies.drain().map(CacheChanges.Change.init)
            changes.since = stores.pendingSince
            stores.pendingSince = nil
            return changes
        }
    }

    public var counts: (namespaces: Int, pods: Int, policies: Int) {
        stores.withLock { ($0.namespaces.count, $0.pods.count, $0.policies.count) }
    }
}
