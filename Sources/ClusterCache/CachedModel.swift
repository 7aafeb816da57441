import ClusterModel
import KubeClient

/// A validated model type the cache stores, with the wire type it is validated from.
protocol CachedModel: Hashable, Sendable {
    associatedtype Resource: APIResource
    static func validated(_ wire: Resource.Object) throws(ValidationError) -> Self
    var key: ObjectKey { get }
    /// The key of a wire object from its metadata alone; nil without a name.
    static func key(of metadata: ObjectMeta) -> ObjectKey?
    /// What is enforced in place of an object that cannot be read and has no valid version in force;
    /// nil: nothing (the object is skipped). `object` is nil when it did not even decode.
    static func failingClosed(_ object: Resource.Object?, metadata: ObjectMeta, reason: String) -> Self?
    /// This is such a stand-in: a later unreadable version replaces it rather than being ignored.
    var isStandIn: Bool { get }
    /// What a stand-in enforces, for the log.
    static var standInMeaning: String { get }
    /// Replaces parts equal to those of other cached objects by the pooled copies (see `ValuePool`).
    mutating func share(_ pool: inout ValuePool)
}

extension CachedModel {
    static func failingClosed(_ object: Resource.Object?, metadata: ObjectMeta, reason: String) -> Self? { nil }
    var isStandIn: Bool { false }
    static var standInMeaning: String { "" }
    mutating func share(_ pool: inout ValuePool) {}
}

extension Namespace: CachedModel {
    typealias Resource = NamespacesResource
    static func validated(_ wire: NamespaceObject) throws(ValidationError) -> Namespace { try Namespace(validating: wire) }
    var key: ObjectKey { ObjectKey(namespace: "", name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { clusterScopedKey(metadata) }
}

extension Pod: CachedModel {
    typealias Resource = PodsResource
    static func validated(_ wire: PodObject) throws(ValidationError) -> Pod { try Pod(validating: wire) }
    var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { namespacedKey(metadata) }
    /// A pod skipped would be unisolated: what can be read of it is enforced instead.
    static func failingClosed(_ object: PodObject?, metadata: ObjectMeta, reason: String) -> Pod? {
        object.flatMap { Pod(failingClosed: $0, metadata: metadata) }
    }
    var isStandIn: Bool { isPartial }
    static var standInMeaning: String { "its addresses and labels, without named ports" }
}

extension NetworkPolicy: CachedModel {
    typealias Resource = NetworkPoliciesResource
    static func validated(_ wire: NetworkPolicyObject) throws(ValidationError) -> NetworkPolicy {
        try NetworkPolicy(validating: wire)
    }
    var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { namespacedKey(metadata) }
    /// A policy skipped would leave open the pods it meant to close: its pods are isolated instead.
    static func failingClosed(_ object: NetworkPolicyObject?, metadata: ObjectMeta, reason: String) -> NetworkPolicy? {
        NetworkPolicy(failingClosed: object, metadata: metadata, reason: reason)
    }
    var isStandIn: Bool { unreadable != nil }
    static var standInMeaning: String { "the pods it selects are isolated, and it allows nothing" }
}

extension ClusterNetworkPolicy: CachedModel {
    typealias Resource = ClusterNetworkPoliciesResource
    static func validated(_ wire: ClusterNetworkPolicyObject) throws(ValidationError) -> ClusterNetworkPolicy {
        try ClusterNetworkPolicy(validating: wire)
    }
    var key: ObjectKey { ObjectKey(namespace: "", name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { clusterScopedKey(metadata) }
    /// A policy skipped could leave open what an Admin Deny closed: its subject is denied all traffic instead.
    static func failingClosed(_ object: ClusterNetworkPolicyObject?, metadata: ObjectMeta, reason: String) -> ClusterNetworkPolicy? {
        ClusterNetworkPolicy(failingClosed: object, metadata: metadata, reason: reason)
    }
    var isStandIn: Bool { unreadable != nil }
    static var standInMeaning: String { "the pods it selects are denied all traffic, at its tier and priority" }
}

/// Every Node, for ClusterNetworkPolicy `nodes` peers (the agent's own Node also feeds `NodeNetworkSink`).
extension ClusterNode: CachedModel {
    typealias Resource = NodesResource
    static func validated(_ wire: NodeObject) throws(ValidationError) -> ClusterNode { try ClusterNode(validating: wire) }
    var key: ObjectKey { ObjectKey(namespace: "", name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { clusterScopedKey(metadata) }
}

private func clusterScopedKey(_ metadata: ObjectMeta) -> ObjectKey? {
    metadata.name.map { ObjectKey(namespace: "", name: $0) }
}

/// Namespaced objects default to "default", as the validated models do.
private func namespacedKey(_ metadata: ObjectMeta) -> ObjectKey? {
    metadata.name.map { ObjectKey(namespace: metadata.namespace ?? "default", name: $0) }
}
