import ClusterModel
import Compiler
import IPAddressing

/// What explanations say about the cluster's objects: which pod holds an address (as the compiler
/// decides it), its labels and named ports, the labels of its namespace.
struct ClusterFacts {
    /// Holds the cluster's index only; never asked for a ruleset.
    private let index: NodeCompiler
    private let podsByName: [String: Pod]
    private let namespaceLabels: [String: [String: String]]

    init(_ cluster: ClusterState) {
        index = PolicyCompiler.compiler(for: cluster, node: "")
        podsByName = Dictionary(cluster.pods.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { _, last in last })
        namespaceLabels = Dictionary(cluster.namespaces.map { ($0.name, $0.labels) }, uniquingKeysWith: { _, last in last })
    }

    func pod(at address: IPAddress) -> Pod? { index.pod(owning: address) }

    func pod(named name: String) -> Pod? { podsByName[name] }

    /// The pod's address of `family`, unless a newer pod has taken it over.
    func address(of pod: Pod, family: IPFamily) -> IPAddress? {
        pod.addresses.first { $0.family == family && self.pod(at: $0)?.reference == pod.reference }
    }

    func labels(ofNamespace name: String) -> [String: String] { namespaceLabels[name] ?? [:] }

    /// Pods that take part in policy, by `namespace/name`.
    var enforceablePods: [Pod] { podsByName.values.filter(\.isEnforceable).sorted { $0.qualifiedName < $1.qualifiedName } }
}

extension Pod {
    /// `namespace/name`.
    var qualifiedName: String { "\(namespace)/\(name)" }
}

/// `app=api, tier=web`, or `no labels`.
func labelText(_ labels: [String: String]) -> String {
    labels.isEmpty ? "no labels" : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
}
