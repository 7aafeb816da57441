import ClusterModel

/// A collection the agent lists and watches across all namespaces.
public protocol APIResource: Sendable {
    associatedtype Object: KubernetesWireObject
    /// Collection path, e.g. "/api/v1/pods".
    static var path: String { get }
    /// For logs and stats: "pods".
    static var name: String { get }
    static var kind: String { get }
}

/// A decoded object with the standard metadata, read by the fast path where it can (`JSONWireReadable`)
/// and by its `Decodable` conformance where it cannot.
public protocol KubernetesWireObject: Decodable, JSONWireReadable, Sendable {
    var metadata: ObjectMeta { get }
}

extension PodObject: KubernetesWireObject {}
extension NamespaceObject: KubernetesWireObject {}
extension NetworkPolicyObject: KubernetesWireObject {}
extension NodeObject: KubernetesWireObject {}
extension ClusterNetworkPolicyObject: KubernetesWireObject {}

public enum PodsResource: APIResource {
    public typealias Object = PodObject
    public static let path = "/api/v1/pods"
    public static let name = "pods"
    public static let kind = "Pod"
}

public enum NamespacesResource: APIResource {
    public typealias Object = NamespaceObject
    public static let path = "/api/v1/namespaces"
    public static let name = "namespaces"
    public static let kind = "Namespace"
}

public enum NetworkPoliciesResource: APIResource {
    public typealias Object = NetworkPolicyObject
    public static let path = "/apis/networking.k8s.io/v1/networkpolicies"
    public static let name = "networkpolicies"
    public static let kind = "NetworkPolicy"
}

/// Cluster-scoped; served only where the network-policy-api CRD is installed (see `ClusterPolicyDiscovery`).
public enum ClusterNetworkPoliciesResource: APIResource {
    public typealias Object = ClusterNetworkPolicyObject
    public static let groupVersion = "policy.networking.k8s.io/v1alpha2"
    public static let path = "/apis/\(groupVersion)/clusternetworkpolicies"
    public static let name = "clusternetworkpolicies"
    public static let kind = "ClusterNetworkPolicy"
}

/// Nodes are cluster-scoped: the agent watches its own with a `metadata.name` field selector, and
/// all of them (for ClusterNetworkPolicy `nodes` peers) while ClusterNetworkPolicies are served.
public enum NodesResource: APIResource {
    public typealias Object = NodeObject
    public static let path = "/api/v1/nodes"
    public static let name = "nodes"
    public static let kind = "Node"
}
