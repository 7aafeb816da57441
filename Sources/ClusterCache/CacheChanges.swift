import ClusterModel

/// What changed in the cache since the reconciler last asked, one entry per object however many
/// events it had (events coalesce here).
public struct CacheChanges: Sendable {
    public enum Change<Model: Sendable>: Sendable {
        case upsert(Model)
        case remove(ObjectKey)
    }

    public var namespaces: [Change<Namespace>] = []
    public var pods: [Change<Pod>] = []
    public var policies: [Change<NetworkPolicy>] = []
    public var clusterPolicies: [Change<ClusterNetworkPolicy>] = []
    /// Every Node (for `nodes` peers), not only the agent's own.
    public var nodes: [Change<ClusterNode>] = []
    /// When the oldest of these changes reached the cache.
    public var since: ContinuousClock.Instant?
    /// What the cache held when these changes were drained: what a table compiled from them (and
    /// those drained before) holds, whatever has arrived since.
    public var cached: (namespaces: Int, pods: Int, policies: Int) = (0, 0, 0)

    public init() {}

    public var isEmpty: Bool { count == 0 }
    public var count: Int { namespaces.count + pods.count + policies.count + clusterPolicies.count + nodes.count }
}

extension CacheChanges.Change {
    init(key: ObjectKey, model: Model?) {
        self = model.map(Self.upsert) ?? .remove(key)
    }
}
