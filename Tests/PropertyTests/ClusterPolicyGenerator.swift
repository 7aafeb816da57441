// Shared by PropertyTests and NftNetlinkTests (Tests/NftNetlinkTests/Support holds a symlink to this file).
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

// MARK: - To the model. The CNP decoder is cnp/model's; these are built as it builds them.

extension GenSelector {
    var model: LabelSelector {
        var requirements = (matchLabels ?? [:]).map { LabelSelector.Requirement(key: $0.key, op: .in([$0.value])) }
        for expression in expressions ?? [] {
            let op: LabelSelector.Operator
            switch expression.op {
            case "In": op = .in(expression.values ?? [])
            case "NotIn": op = .notIn(expression.values ?? [])
            case "Exists": op = .exists
            default: op = .doesNotExist
            }
            requirements.append(LabelSelector.Requirement(key: expression.key, op: op))
        }
        return LabelSelector(requirements: requirements)
    }
}

extension GenCNP {
    var model: ClusterNetworkPolicy {
        let subject: ClusterPolicySubject
        switch self.subject {
        case .namespaces(let selector): subject = .namespaces(selector.model)
        case .pods(let namespaces, let pods): subject = .pods(namespaces: namespaces?.model ?? .everything, pods: pods.model)
        }
        return ClusterNetworkPolicy(name: name, tier: tier == "Admin" ? .admin : .baseline, priority: priority, subject: subject,
                                    ingress: ingress.map(\.model), egress: egress.map(\.model),
                                    unreadable: unreadable ? "spec: generated as unreadable" : nil)
    }
}

extension GenCNPRule {
    var model: ClusterPolicyRule {
        ClusterPolicyRule(name: name, action: ClusterPolicyRule.Action(rawValue: action)!, peers: peers.map { peer in
            switch peer {
            case .namespaces(let selector): return .namespaces(selector.model)
            case .pods(let namespaces, let pods): return .pods(namespaces: namespaces?.model ?? .everything, pods: pods.model)
            case .networks(let cidrs): return .networks(cidrs.map { CIDR($0)! })
            case .nodes(let selector): return .nodes(selector.model)
            }
        }, protocols: protocols?.map { entry in
            switch entry {
            case .port(let proto, let start, let end):
                return .ports(L4Protocol(kubernetesName: proto)!, UInt16(start)...UInt16(end ?? start))
            case .namedPort(let name): return .namedPort(name)
            }
        }, failsClosed: failsClosed ? "to[0]: no field this agent knows" : nil)
    }
}

extension GenNode {
    var model: ClusterNode { ClusterNode(name: name, labels: labels, addresses: addresses.map { IPAddress($0)! }) }
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
            let cidrs = (0..<int(1...3)).map { _ in ipBlock().cidr }
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
