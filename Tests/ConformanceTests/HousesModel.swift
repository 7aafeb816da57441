import ClusterModel
import Foundation
import Manifests
import NetnsLab
import Yams

/// The upstream CNP suite's base model, read from its own manifest (network-policy-api
/// conformance/base/manifests.yaml, vendored under Cases/cnp/manifests): five namespaces, four 2-replica
/// StatefulSets (agnhost serving TCP 80 `web`, TCP 8080, UDP 5353, UDP 53 `dns`, SCTP 9003 and 9005) and
/// the hostNetwork `centaur` StatefulSet serving on the node addresses. Replica i runs on lab node
/// i % 2 + 1, so pairs of the same ordinal share a node. In the lab, pod `name-i` of namespace
/// `network-policy-conformance-H` is called "H/name-i".
struct HousesModel {
    static let namespacePrefix = "network-policy-conformance-"
    /// conformance/utils/suite/suite.go: HostNetworkPortRangeStart defaults to 34345, hostNetworkPortsAmount = 8.
    static let hostNetworkPorts: [UInt16] = (0..<8).map { 34345 + $0 }
    /// TCP and UDP ports every lab pod serves: those of the manifest's agnhost commands, and the host
    /// network ports (for the centaurs). SCTP needs none: probes are raw INIT packets.
    static let ports: [UInt16] = [80, 8080, 5353, 53] + hostNetworkPorts
    static let manifest = "base/manifests.yaml"

    struct Replica {
        var labName: String
        var name: String
        var namespace: String
        var node: Int
        var labels: [String: String]
        var spec: PodObject.Spec
    }

    let namespaces: [NamespaceObject]
    let replicas: [Replica]

    init() throws {
        var namespaces: [NamespaceObject] = []
        var replicas: [Replica] = []
        for document in try ManifestReader.parse(Self.manifestText(Self.manifest), source: Self.manifest) {
            switch document.node.mapping?["kind"]?.string {
            case "Namespace":
                guard case .object(.namespace(let namespace)) = try document.decode() else { throw CaseError("\(document.source): not a Namespace") }
                namespaces.append(namespace)
            case "StatefulSet":
                let set = try YAMLDecoder().decode(StatefulSet.self, from: Yams.serialize(node: document.node))
                let house = set.metadata.namespace.map { String($0.dropFirst(Self.namespacePrefix.count)) } ?? ""
                for ordinal in 0..<set.spec.replicas {
                    let name = "\(set.metadata.name ?? "")-\(ordinal)"
                    replicas.append(Replica(labName: "\(house)/\(name)", name: name, namespace: set.metadata.namespace ?? "",
                                            node: ordinal % 2 + 1, labels: set.spec.template.metadata.labels ?? [:],
                                            spec: set.spec.template.spec))
                }
            default:
                throw CaseError("\(document.source): unexpected kind in the base model")
            }
        }
        self.namespaces = namespaces
        self.replicas = replicas
    }

    var labPods: [LabPodSpec] {
        replicas.map { LabPodSpec(name: $0.labName, node: $0.node, hostNetwork: $0.spec.hostNetwork ?? false) }
    }

    /// The namespaces, the running pods (with the lab's addresses; a hostNetwork pod has its node's) and the
    /// lab's Nodes, labelled as a kubelet labels them, their InternalIPs in `status.addresses`.
    func objects(in lab: Lab) -> [KubernetesObject] {
        let pods = replicas.map { replica in
            var spec = replica.spec
            spec.nodeName = lab.nodeName(replica.node)
            let addresses = LabFamily.allCases.map { PodObject.PodIP(ip: lab.address(of: replica.labName, family: $0)) }
            // The StatefulSet controller adds the pod-name label to the template's.
            let labels = replica.labels.merging(["statefulset.kubernetes.io/pod-name": replica.name]) { $1 }
            return KubernetesObject.pod(PodObject(metadata: ObjectMeta(name: replica.name, namespace: replica.namespace, labels: labels),
                                                  spec: spec, status: .init(phase: "Running", podIP: addresses[0].ip, podIPs: addresses)))
        }
        let nodes = (1...lab.nodeCount).map { node in
            let name = lab.nodeName(node)
            let addresses = LabFamily.allCases.map { NodeObject.Address(type: "InternalIP", address: lab.nodeAddress(node, family: $0)) }
            return KubernetesObject.node(NodeObject(
                metadata: ObjectMeta(name: name, labels: ["kubernetes.io/hostname": name, "kubernetes.io/os": "linux"]),
                status: .init(addresses: addresses + [NodeObject.Address(type: "Hostname", address: name)])))
        }
        return namespaces.map(KubernetesObject.namespace) + pods + nodes
    }

    /// A vendored upstream manifest with its `{{ index .HostNetworkPorts i }}` templates rendered as
    /// upstream's Applier renders them (conformance/utils/kubernetes/apply.go).
    static func manifestText(_ path: String) throws -> String {
        let text = try String(contentsOf: CNPCase.casesDirectory.appendingPathComponent("manifests/\(path)"), encoding: .utf8)
        let template = /\{\{\s*index\s+\.HostNetworkPorts\s+(\d+)\s*\}\}/
        return try text.replacing(template) { match in
            guard let index = Int(match.1), hostNetworkPorts.indices.contains(index) else { throw CaseError("\(path): bad template \(match.0)") }
            return String(hostNetworkPorts[index])
        }
    }

    private struct StatefulSet: Decodable {
        var metadata: ObjectMeta
        var spec: Spec

        struct Spec: Decodable {
            var replicas: Int
            var template: Template
        }

        struct Template: Decodable {
            var metadata: ObjectMeta
            var spec: PodObject.Spec
        }
    }
}
