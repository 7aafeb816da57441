import ClusterModel
import Compiler

/// Collects decoded objects into validated cluster state. A later object with the same kind,
/// namespace and name replaces an earlier one, as `kubectl apply` would.
public struct ClusterBuilder {
    private var namespaces: [String: Namespace] = [:]
    private var pods: [ObjectReference: Pod] = [:]
    private var policies: [ObjectReference: NetworkPolicy] = [:]
    private var clusterPolicies: [String: ClusterNetworkPolicy] = [:]
    private var nodes: [String: ClusterNode] = [:]

    public init() {}

    /// Validates and adds one object; an invalid object is not added.
    public mutating func add(_ object: KubernetesObject) throws(ValidationError) {
        add(try ValidatedObject(validating: object))
    }

    public mutating func add(_ object: ValidatedObject) {
        switch object {
        case .namespace(let namespace): namespaces[namespace.name] = namespace
        case .pod(let pod): pods[pod.reference] = pod
        case .networkPolicy(let policy): policies[policy.reference] = policy
        case .clusterNetworkPolicy(let policy): clusterPolicies[policy.name] = policy
        case .node(let node): nodes[node.name] = node
        }
    }

    public mutating func remove(_ reference: ObjectReference) {
        switch reference.kind {
        case "Namespace": namespaces[reference.name] = nil
        case "Pod": pods[reference] = nil
        case "ClusterNetworkPolicy": clusterPolicies[reference.name] = nil
        case "Node": nodes[reference.name] = nil
        default: policies[reference] = nil
        }
    }

    public func pod(_ reference: ObjectReference) -> Pod? { pods[reference] }
    public func namespace(_ name: String) -> Namespace? { namespaces[name] }

    public mutating func replace(_ pod: Pod) { pods[pod.reference] = pod }
    public mutating func replace(_ namespace: Namespace) { namespaces[namespace.name] = namespace }

    public var policyReferences: [ObjectReference] { Array(policies.keys) }

    /// Objects sorted by what names them: namespaced ones by namespace and name (their references' order,
    /// the kind being one), the rest by name.
    public var state: ClusterState {
        ClusterState(namespaces: namespaces.values.sorted { $0.name < $1.name },
                     pods: pods.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) },
                     policies: policies.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) },
                     clusterPolicies: clusterPolicies.values.sorted { $0.name < $1.name },
                     nodes: nodes.values.sorted { $0.name < $1.name })
    }
}
