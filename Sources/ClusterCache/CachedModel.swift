import ClusterModel
import KubeClient

/// A validated model type the cache stores, with the wire type it is validated from.
protocol CachedModel: Hashable, Sendable {
    associatedtype Resource: APIResource
    static func validated(_ wire: Resource.Object) throws(ValidationError) -> Self
    var key: ObjectKey { get }
    /// The key of a wire object from its metadata alone; nil without a name.
    static func key(of metadata: ObjectMeta) -> ObjectKey?
}

extension Namespace: CachedModel {
    typealias Resource = NamespacesResource
    static func validated(_ wire: NamespaceObject) throws(ValidationError) -> Namespace { try Namespace(validating: wire) }
    var key: ObjectKey { ObjectKey(namespace: "", name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? {
        metadata.name.map { ObjectKey(namespace: "", name: $0) }
    }
}

extension Pod: CachedModel {
    typealias Resource = PodsResource
    static func validated(_ wire: PodObject) throws(ValidationError) -> Pod { try Pod(validating: wire) }
    var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { namespacedKey(metadata) }
}

extension NetworkPolicy: CachedModel {
    typealias Resource = NetworkPoliciesResource
    static func validated(_ wire: NetworkPolicyObject) throws(ValidationError) -> NetworkPolicy {
        try NetworkPolicy(validating: wire)
    }
    var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }
    static func key(of metadata: ObjectMeta) -> ObjectKey? { namespacedKey(metadata) }
}

/// Namespaced objects default to "default", as the validated models do.
private func namespacedKey(_ metadata: ObjectMeta) -> ObjectKey? {
    metadata.name.map { ObjectKey(namespace: metadata.namespace ?? "default", name: $0) }
}
