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
        switch object {
        case .namespace(let raw):
            let namespace = try Namespace(validating: raw)
            namespaces[namespace.name] = namespace
        case .pod(let raw):
            let pod = try Pod(validating: raw)
            pods[pod.reference] = pod
        case .networkPolicy(let raw):
            let policy = try NetworkPolicy(validating: raw)
            policies[policy.reference] = policy
        case .clusterNetworkPolicy(let raw):
            let policy = try ClusterNetworkPolicy(validating: raw)
            clusterPolicies[policy.name] = policy
        case .node(let raw):
            let node = try ClusterNode(validating: raw)
            nodes[node.name] = node
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

    public var state: ClusterState {
        ClusterState(namespaces: namespaces.values.sorted { $0.name < $1.name },
                     pods: pods.keys.sorted().map { pods[$0]! },
                     policies: policies.keys.sorted().map { policies[$0]! },
                     clusterPolicies: clusterPolicies.keys.sorted().map { clusterPolicies[$0]! },
                     nodes: nodes.keys.sorted().map { nodes[$0]! })
    }
}
