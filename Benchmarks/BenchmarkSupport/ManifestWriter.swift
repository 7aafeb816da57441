import ClusterModel
import Compiler
import Foundation
import IPAddressing

/// Writes a cluster's objects back as the API server would serve them, one `kind: List` file per kind
/// (JSON, or YAML as people write it: block style, plain scalars where YAML reads them as strings), so
/// `agent --manifests` can read the synthetic clusters the in-process benchmarks compile.
public enum ManifestWriter {
    public enum Format: String, Sendable { case json, yaml }

    /// Returns the files written (namespaces, pods, policies and, when there are any, cluster policies).
    @discardableResult
    public static func write(_ cluster: ClusterState, to directory: String, as format: Format = .json) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lists: [(String, [[String: Any]])] = [
            ("namespaces", cluster.namespaces.map(namespace)), ("pods", cluster.pods.map(pod)), ("policies", cluster.policies.map(policy)),
        ]
        if !cluster.clusterPolicies.isEmpty { lists.append(("cluster-policies", cluster.clusterPolicies.map(clusterPolicy))) }
        return try lists.map { name, items in
            let path = "\(directory)/\(name).\(format.rawValue)"
            let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": items]
            switch format {
            case .json: try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: path))
            case .yaml:
                var text = ""
                YAMLText.append(list, indent: "", to: &text)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            }
            return path
        }
    }

    static func namespace(_ namespace: Namespace) -> [String: Any] {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": namespace.name, "labels": namespace.labels]]
    }

    static func pod(_ pod: Pod) -> [String: Any] {
        var spec: [String: Any] = ["containers": [["name": "main", "ports": pod.namedPorts.map { port in
            ["name": port.name, "containerPort": Int(port.port), "protocol": port.proto.rawValue.uppercased()] as [String: Any]
        }]]]
        if let node = pod.nodeName { spec["nodeName"] = node }
        if pod.hostNetwork { spec["hostNetwork"] = true }
        let addresses = pod.addresses.map(\.description)
        return ["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": pod.name, "namespace": pod.namespace, "uid": "uid-\(pod.namespace)-\(pod.name)", "labels": pod.labels,
                             "creationTimestamp": pod.creationTimestamp],
                "spec": spec,
                "status": ["phase": pod.phase.rawValue, "podIP": addresses.first ?? "", "podIPs": addresses.map { ["ip": $0] }]]
    }

    static func policy(_ policy: NetworkPolicy) -> [String: Any] {
        func rule(_ rule: PolicyRule, peerKey: String) -> [String: Any] {
            var object: [String: Any] = [:]
            if let peers = rule.peers { object[peerKey] = peers.map { peer(in: policy.namespace, $0) } }
            if let ports = rule.ports { object["ports"] = ports.map(port) }
            return object
        }
        let types = (policy.isolatesIngress ? ["Ingress"] : []) + (policy.isolatesEgress ? ["Egress"] : [])
        return ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": ["name": policy.name, "namespace": policy.namespace],
                "spec": ["podSelector": selector(policy.podSelector), "policyTypes": types,
                         "ingress": policy.ingress.map { rule($0, peerKey: "from") },
                         "egress": policy.egress.map { rule($0, peerKey: "to") }]]
    }

    private static func peer(in namespace: String, _ peer: Peer) -> [String: Any] {
        switch peer {
        case .pods(.named(let name), let pods) where name == namespace:
            return ["podSelector": selector(pods)]
        case .pods(.named(let name), let pods):
            return ["namespaceSelector": selector(LabelSelector(requirements: [.init(key: "kubernetes.io/metadata.name", op: .in([name]))])),
                    "podSelector": selector(pods)]
        case .pods(.selected(let namespaces), let pods):
            return ["namespaceSelector": selector(namespaces), "podSelector": selector(pods)]
        case .ipBlock(let block):
            return ["ipBlock": ["cidr": block.cidr.description, "except": block.except.map(\.description)]]
        }
    }

    private static func port(_ port: PolicyPort) -> [String: Any] {
        var object: [String: Any] = ["protocol": port.proto.rawValue.uppercased()]
        switch port.target {
        case .all: break
        case .named(let name): object["port"] = name
        case .numbers(let range):
            object["port"] = Int(range.lowerBound)
            if range.upperBound != range.lowerBound { object["endPort"] = Int(range.upperBound) }
        }
        return object
    }

    static func clusterPolicy(_ policy: ClusterNetworkPolicy) -> [String: Any] {
        let subject: [String: Any] = switch policy.subject {
        case .namespaces(let namespaces): ["namespaces": selector(namespaces)]
        case .pods(let namespaces, let pods): ["pods": ["namespaceSelector": selector(namespaces), "podSelector": selector(pods)]]
        }
        return ["apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": ["name": policy.name],
                "spec": ["tier": policy.tier.rawValue, "priority": policy.priority, "subject": subject,
                         "ingress": policy.ingress.map { rule($0, peerKey: "from") }, "egress": policy.egress.map { rule($0, peerKey: "to") }]]
    }

    private static func rule(_ rule: ClusterPolicyRule, peerKey: String) -> [String: Any] {
        var object: [String: Any] = ["action": rule.action.rawValue, peerKey: rule.peers.map(peer)]
        if let name = rule.name { object["name"] = name }
        if let protocols = rule.protocols { object["protocols"] = protocols.map(clusterProtocol) }
        return object
    }

    private static func peer(_ peer: ClusterPolicyPeer) -> [String: Any] {
        switch peer {
        case .namespaces(let namespaces): ["namespaces": selector(namespaces)]
        case .pods(let namespaces, let pods): ["pods": ["namespaceSelector": selector(namespaces), "podSelector": selector(pods)]]
        case .networks(let cidrs): ["networks": cidrs.map(\.description)]
        case .nodes(let nodes): ["nodes": selector(nodes)]
        }
    }

    private static func clusterProtocol(_ proto: ClusterPolicyProtocol) -> [String: Any] {
        switch proto {
        case .namedPort(let name):
            return ["destinationNamedPort": name]
        case .ports(let l4, let range):
            let port: [String: Any] = range.count == 1 ? ["number": Int(range.lowerBound)]
                : ["range": ["start": Int(range.lowerBound), "end": Int(range.upperBound)]]
            return [l4.rawValue: ["destinationPort": port]]
        }
    }

    private static func selector(_ selector: LabelSelector) -> [String: Any] {
        ["matchExpressions": selector.requirements.map { requirement -> [String: Any] in
            switch requirement.op {
            case .in(let values): ["key": requirement.key, "operator": "In", "values": values]
            case .notIn(let values): ["key": requirement.key, "operator": "NotIn", "values": values]
            case .exists: ["key": requirement.key, "operator": "Exists"]
            case .doesNotExist: ["key": requirement.key, "operator": "DoesNotExist"]
            }
        }]
    }
}
