import ClusterModel
import Compiler

/// Collects decoded objects into validated cluster state. A later object with the same kind,
/// namespace and name replaces an earlier one, as `kubectl apply` would.
public struct ClusterBuilder {
    private var namespaces: [String: Namespace] = [:]
    /// Pods in arrival order, a later one with the same reference in its predecessor's place, and where
    /// each is: at a hundred thousand pods, a table of positions grows and rehashes far less than one
    /// of pods.
    private var pods: [Pod] = []
    private var podPositions: [ObjectReference: Int] = [:]
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
        case .pod(let pod): replace(pod)
        case .networkPolicy(let policy): policies[policy.reference] = policy
        case .clusterNetworkPolicy(let policy): clusterPolicies[policy.name] = policy
        case .node(let node): nodes[node.name] = node
        }
    }

    public mutating func remove(_ reference: ObjectReference) {
        switch reference.kind {
        case "Namespace": namespaces[reference.name] = nil
        case "Pod": removePod(reference)
        case "ClusterNetworkPolicy": clusterPolicies[reference.name] = nil
        case "Node": nodes[reference.name] = nil
        default: policies[reference] = nil
        }
    }

    /// Room for `objects` more pods in the table of positions (a large List's, said before its items come):
    /// it grows by whole powers of two, so room made for each of several Lists costs no more than growing.
    mutating func reserveCapacity(objects: Int) { podPositions.reserveCapacity(podPositions.count + objects) }

    public func pod(_ reference: ObjectReference) -> Pod? { podPositions[reference].map { pods[$0] } }
    public func namespace(_ name: String) -> Namespace? { namespaces[name] }

    /// Adds the pod, or replaces the one with its reference; one look-up for a new pod.
    public mutating func replace(_ pod: Pod) {
        let reference = pod.reference
        if let position = podPositions.updateValue(pods.count, forKey: reference) {
            podPositions[reference] = position
            pods[position] = pod
        } else {
            pods.append(pod)
        }
    }

    public mutating func replace(_ namespace: Namespace) { namespaces[namespace.name] = namespace }

    public var policyReferences: [ObjectReference] { Array(policies.keys) }

    /// Objects sorted by what names them: namespaced ones by namespace and name (their references' order,
    /// the kind being one), the rest by name.
    public var state: ClusterState {
        ClusterState(namespaces: namespaces.values.sorted { $0.name < $1.name },
                     pods: pods.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) },
                     policies: policies.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) },
                     clusterPolicies: clusterPolicies.values.sorted { $0.name < $1.name },
                     nodes: nodes.values.sorted { $0.name < $1.name })
    }

    /// The last pod takes the removed one's place.
    private mutating func removePod(_ reference: ObjectReference) {
        guard let position = podPositions.removeValue(forKey: reference) else { return }
        let last = pods.removeLast()
        guard position < pods.count else { return }
        pods[position] = last
        podPositions[last.reference] = position
    }
}
