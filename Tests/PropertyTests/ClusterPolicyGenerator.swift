import ClusterModel
import IPAddressing

// MARK: - ClusterNetworkPolicies and Nodes as plain values, which the oracle reads too

enum GenSubject {
    case namespaces(GenSelector)
    /// nil namespaceSelector: every namespace.
    case pods(namespaces: GenSelector?, pods: GenSelector)
}

enum GenCNPPeer {
    case namespaces(GenSelector)
    case pods(namespaces: GenSelector?, pods: GenSelector)
    case networks([String])
    case nodes(GenSelector)
}

enum GenCNPProtocol {
    /// `end` nil: `destinationPort.number`; else `range{start, end}`.
    case port(proto: String, start: Int, end: Int?)
    case namedPort(String)
}

struct GenCNPRule {
    var name: String?
    var action: String
    var peers: [GenCNPPeer]
    var protocols: [GenCNPProtocol]?
    /// The rule had a peer or protocol with no field this agent knows.
    var failsClosed: Bool
}

struct GenCNP {
    var name: String
    var tier: String
    var priority: Int
    var subject: GenSubject
    var ingress: [GenCNPRule]
    var egress: [GenCNPRule]
    /// The stand-in of a policy that could not be read.
    var unreadable: Bool
}

struct GenNode {
    var name: String
    var labels: [String: String]
    var addresses: [String]
}

// MARK: - Wire objects

extension GenSubject {
    var json: [String: Any] {
        switch self {
        case .namespaces(let selector): return ["namespaces": selector.json]
        case .pods(let namespaces, let pods): return ["pods": namespacedPod(namespaces, pods)]
        }
    }
}

private func namespacedPod(_ namespaces: GenSelector?, _ pods: GenSelector) -> [String: Any] {
    var object: [String: Any] = ["podSelector": pods.json]
    if let namespaces { object["namespaceSelector"] = namespaces.json }
    return object
}

extension GenCNPRule {
    /// A rule that fails closed carries one entry this agent cannot read: an empty peer (a field of a
    /// newer CRD), a `domainNames` peer (not implemented) or an empty protocol entry.
    func json(peerKey: String, unknownEntry: Int) -> [String: Any] {
        var peers: [[String: Any]] = self.peers.map { peer in
            switch peer {
            case .namespaces(let selector): return ["namespaces": selector.json]
            case .pods(let namespaces, let pods): return ["pods": namespacedPod(namespaces, pods)]
            case .networks(let cidrs): return ["networks": cidrs]
            case .nodes(let selector): return ["nodes": selector.json]
            }
        }
        var protocols: [[String: Any]]? = self.protocols?.map { entry in
            switch entry {
            case .port(let proto, let start, let end):
                let port: [String: Any] = end.map { ["range": ["start": start, "end": $0]] } ?? ["number": start]
                return [proto.lowercased(): ["destinationPort": port]]
            case .namedPort(let name): return ["destinationNamedPort": name]
            }
        }
        if failsClosed {
            switch unknownEntry % 3 {
            case 0: peers.append([:])
            case 1 where peerKey == "to": peers.append(["domainNames": ["*.example.com"]])
            default: protocols = (protocols ?? []) + [[:]]
            }
        }
        var object: [String: Any] = ["action": action, peerKey: peers]
        if let name { object["name"] = name }
        if let protocols { object["protocols"] = protocols }
        return object
    }
}

extension GenCNP {
    /// An unreadable policy is written with an unknown action in an extra rule: tier, priority and subject
    /// still validate, so its stand-in takes their place.
    var json: [String: Any] {
        var egress = self.egress.enumerated().map { $0.element.json(peerKey: "to", unknownEntry: $0.offset + priority) }
        if unreadable { egress.append(["action": "Allow", "to": [["namespaces": [String: Any]()]]]) }
        let spec: [String: Any] = [
            "tier": tier, "priority": priority, "subject": subject.json,
            "ingress": ingress.enumerated().map { $0.element.json(peerKey: "from", unknownEntry: $0.offset + priority) }, "egress": egress,
        ]
        return ["apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": ["name": name], "spec": spec]
    }
}

extension GenNode {
    var json: [String: Any] {
        ["apiVersion": "v1", "kind": "Node", "metadata": ["name": name, "labels": labels],
         "status": ["addresses": addresses.map { ["type": "InternalIP", "address": $0] } + [["type": "Hostname", "address": name]]]]
    }
}

// MARK: - Random ClusterNetworkPolicies and Nodes

extension ClusterGenerator {
    static let nodeKeys = ["role", "zone"]
    static let nodeNames = ["node-1", "node-2", "node-3"]

    /// node-N has 192.168.0.N (the addresses hostNetwork pods get), sometimes an IPv6 address too.
    mutating func nodes() -> [GenNode] {
        Self.nodeNames.enumerated().map { index, name in
            var labels: [String: String] = [:]
            for key in Self.nodeKeys where chance(0.7) { labels[key] = pick(Self.values) }
            return GenNode(name: name, labels: labels, addresses: ["192.168.0.\(index + 1)"] + (chance(0.6) ? ["fd00::ff:\(index + 1)"] : []))
        }
    }

    mutating func clusterPolicies(namespaces: [String], blocks: inout [String]) -> [GenCNP] {
        (0..<weighted([(0.2, 0), (0.8, int(1...6))])).map { index in
            let subject: GenSubject = chance(0.5) ? .namespaces(namespaceSelector(namespaces))
                : .pods(namespaces: chance(0.4) ? nil : namespaceSelector(namespaces), pods: podSelector())
            // Names out of index order, so the name tie-break is tested apart from creation order.
            return GenCNP(name: "cnp-\(pick(["x", "b", "m"]))\(index)", tier: pick(["Admin", "Baseline"]),
                          priority: pick([0, 5, 5, 10, 1000]), subject: subject,
                          ingress: clusterRules(ingress: true, namespaces: namespaces, blocks: &blocks),
                          egress: clusterRules(ingress: false, namespaces: namespaces, blocks: &blocks),
                          unreadable: chance(0.04))
        }
    }

    private mutating func clusterRules(ingress: Bool, namespaces: [String], blocks: inout [String]) -> [GenCNPRule] {
        (0..<weighted([(0.3, 0), (0.7, int(1...4))])).map { index in
            GenCNPRule(name: chance(0.7) ? "rule-\(index)" : nil, action: pick(["Accept", "Deny", "Pass"]),
                       peers: (0..<int(1...2)).map { _ in clusterPeer(ingress: ingress, namespaces: namespaces, blocks: &blocks) },
                       protocols: chance(0.4) ? nil : (0..<int(1...3)).map { _ in clusterProtocol() },
                       failsClosed: chance(0.05))
        }
    }

    private mutating func clusterPeer(ingress: Bool, namespaces: [String], blocks: inout [String]) -> GenCNPPeer {
        switch weighted([(0.3, 0), (0.3, 1), (ingress ? 0 : 0.25, 2), (ingress ? 0 : 0.15, 3)]) {
        case 0: return .namespaces(namespaceSelector(namespaces))
        case 1: return .pods(namespaces: chance(0.4) ? nil : namespaceSelector(namespaces), pods: podSelector())
        case 2:
            // A set in the API (`listType=set`): no duplicates.
            var cidrs: [String] = []
            for _ in 0..<int(1...3) {
                let cidr = ipBlock().cidr
                if !cidrs.contains(cidr) { cidrs.append(cidr) }
            }
            blocks += cidrs
            return .networks(cidrs)
        default:
            return .nodes(selector(keys: Self.nodeKeys, values: Self.values))
        }
    }

    private mutating func clusterProtocol() -> GenCNPProtocol {
        if chance(0.3) { return .namedPort(pick(Self.portNames + ["absent"])) }
        let start = chance(0.7) ? pick(Self.commonPorts) : int(1...65000)
        return .port(proto: pick(Self.protocols), start: start, end: chance(0.3) ? start + pick([1, 10, 500]) : nil)
    }
}
