import ClusterModel
import IPAddressing

/// The cluster's pods and namespaces arranged for selector look-ups. Only enforceable pods are kept,
/// and each address belongs to one pod: when a finished or stale pod's IP is reused, the newest pod wins.
struct ClusterIndex {
    let namespaceLabels: [String: [String: String]]
    let namespaceNames: [String]
    /// Enforceable pods, each with only the addresses it owns.
    let pods: [Pod]
    /// containerPort name → indices of the pods that declare it.
    let podsByPortName: [String: [Int]]
    private let podsByNamespace: [String: [Int]]
    /// namespace → label key → label value → pod indices.
    private let labelIndex: [String: [String: [String: [Int]]]]
    private var namespaceSelections: [LabelSelector: [String]] = [:]

    /// Pods on the node being compiled for.
    let localPods: [Int]
    private let localSet: Set<Int>

    func isLocal(_ position: Int) -> Bool { localSet.contains(position) }

    init(_ cluster: ClusterState, node: String) {
        var labels: [String: [String: String]] = [:]
        for namespace in cluster.namespaces { labels[namespace.name] = namespace.labels }
        namespaceLabels = labels
        namespaceNames = labels.keys.sorted()
        let pods = ClusterIndex.owningAddresses(cluster.pods)
        self.pods = pods

        var byNamespace: [String: [Int]] = [:]
        var index: [String: [String: [String: [Int]]]] = [:]
        var byPortName: [String: [Int]] = [:]
        for (position, pod) in pods.enumerated() {
            byNamespace[pod.namespace, default: []].append(position)
            for name in Set(pod.namedPorts.map(\.name)) { byPortName[name, default: []].append(position) }
            for (key, value) in pod.labels {
                index[pod.namespace, default: [:]][key, default: [:]][value, default: []].append(position)
            }
        }
        localPods = pods.indices.filter { pods[$0].nodeName == node }
        localSet = Set(localPods)
        podsByNamespace = byNamespace
        podsByPortName = byPortName
        labelIndex = index
    }

    /// Drops pods that cannot be enforced and gives each address to its newest claimant.
    private static func owningAddresses(_ all: [Pod]) -> [Pod] {
        let candidates = all.filter(\.isEnforceable)
        var owner: [IPAddress: Int] = [:]
        for (position, pod) in candidates.enumerated() {
            for address in pod.addresses {
                if let current = owner[address], !isNewer(pod, than: candidates[current]) { continue }
                owner[address] = position
            }
        }
        return candidates.enumerated().compactMap { position, pod in
            var kept = pod
            kept.addresses = pod.addresses.filter { owner[$0] == position }
            return kept.addresses.isEmpty ? nil : kept
        }
    }

    private static func isNewer(_ pod: Pod, than other: Pod) -> Bool {
        (pod.creationTimestamp, pod.namespace, pod.name) > (other.creationTimestamp, other.namespace, other.name)
    }

    /// Pods of `namespace` that `selector` selects.
    func pods(inNamespace namespace: String, matching selector: LabelSelector) -> [Int] {
        let candidates: [Int]
        if let (key, values) = selector.requiredValues {
            let byValue = labelIndex[namespace]?[key] ?? [:]
            candidates = values.flatMap { byValue[$0] ?? [] }
        } else {
            candidates = podsByNamespace[namespace] ?? []
        }
        return candidates.filter { selector.matches(pods[$0].labels) }
    }

    /// Names of existing namespaces that `selector` selects, memoised: many peers share selectors.
    mutating func namespaces(matching selector: LabelSelector) -> [String] {
        if let known = namespaceSelections[selector] { return known }
        let selected = namespaceNames.filter { selector.matches(namespaceLabels[$0] ?? [:]) }
        namespaceSelections[selector] = selected
        return selected
    }

    mutating func pods(in scope: NamespaceScope, matching selector: LabelSelector) -> [Int] {
        switch scope {
        case .named(let namespace):
            return pods(inNamespace: namespace, matching: selector)
        case .selected(let namespaceSelector):
            return namespaces(matching: namespaceSelector).flatMap { pods(inNamespace: $0, matching: selector) }
        }
    }
}
