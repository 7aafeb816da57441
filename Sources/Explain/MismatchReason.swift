import ClusterModel
import Compiler
import IPAddressing
import Ruleset

/// Why one match of a policy rule failed for the packet, in the policy's terms: the selector it
/// wanted and the labels the pod or namespace has, the ports it wanted, the named port the
/// destination does not define, the `except` that holds the address.
struct MismatchReason {
    let reading: TraceReading

    /// nil when the match is for the other address family (the rule says nothing about this packet).
    func describe(_ match: Match, direction: Direction) -> String? {
        let query = reading.query
        switch match {
        case .l4Protocol(let proto):
            return "is for \(proto.kubernetesName), not \(query.proto.kubernetesName)"
        case .destinationPort(let range):
            return "wants port \(portRange(range)), not \(query.port)"
        case .inSet(let fields, let set):
            guard fields.allSatisfy({ $0.family.map { $0 == query.family } ?? true }) else { return nil }
            let peer = direction == .ingress ? reading.source : reading.destination
            guard let meaning = reading.view.meaning.sets[set] else { return "the packet is not in set \(set)" }
            return reason(meaning, peer: peer)
        default:
            return "does not match"
        }
    }

    private func reason(_ meaning: SetMeaning, peer: ClusterExplainer.Resolved) -> String {
        let query = reading.query
        switch meaning {
        case .pods(let namespaces, let pods): return podsReason(namespaces, pods, peer: peer)
        case .ipBlock(let block): return ipBlockReason(block, peer: peer)
        case .namedPort(let name, let proto): return namedPortReason(name, proto)
        case .networks(let cidrs):
            return "wants networks \(cidrs.map(\.description).joined(separator: ", ")); \(name(of: peer)) is outside them"
        case .nodes(let selector): return "wants addresses of nodes \(selector); \(name(of: peer)) is none"
        case .ports(let entries):
            return "wants \(entries.map(\.description).joined(separator: ", ")), not \(query.proto.kubernetesName) \(query.port)"
        case .anyOf(let parts): return parts.map { reason($0, peer: peer) }.joined(separator: "; or ")
        }
    }

    private func podsReason(_ namespaces: NamespaceScope, _ pods: LabelSelector, peer: ClusterExplainer.Resolved) -> String {
        let scope: String
        switch namespaces {
        case .named(let name): scope = "namespace \(name)"
        case .selected(let selector): scope = "namespaces \(selector)"
        }
        let wanted = "wants pods \(pods) in \(scope)"
        guard let pod = peer.pod else { return "\(wanted); \(peer.address) is no pod's address" }
        switch namespaces {
        case .named(let name) where name != pod.namespace:
            return "\(wanted); \(pod.qualifiedName) is in namespace \(pod.namespace)"
        case .selected(let selector) where !selector.matches(reading.facts.labels(ofNamespace: pod.namespace)):
            return "\(wanted); namespace \(pod.namespace) has \(labelText(reading.facts.labels(ofNamespace: pod.namespace)))"
        default:
            return "\(wanted); \(pod.qualifiedName) has \(labelText(pod.labels))"
        }
    }

    private func name(of peer: ClusterExplainer.Resolved) -> String {
        peer.pod.map { "\($0.qualifiedName) (\(peer.address))" } ?? "\(peer.address)"
    }

    private func ipBlockReason(_ block: IPBlock, peer: ClusterExplainer.Resolved) -> String {
        let name = name(of: peer)
        guard block.cidr.range.contains(peer.address) else { return "wants ipBlock \(block.cidr); \(name) is outside it" }
        let cut = block.except.first { $0.range.contains(peer.address) }
        return "wants ipBlock \(block.cidr); \(name) is inside its except \(cut.map(\.description) ?? "")"
    }

    /// `proto` nil: a ClusterNetworkPolicy named port, of whichever protocol the pod declares.
    private func namedPortReason(_ name: String, _ proto: L4Protocol?) -> String {
        let query = reading.query
        if let proto, proto != query.proto { return "wants port \(name) (\(proto.kubernetesName)), not \(query.proto.kubernetesName)" }
        let proto = proto ?? query.proto
        guard let pod = reading.destination.pod else {
            return "wants port \(name); \(reading.destination.address) is no pod's address, so it defines no named port"
        }
        let defined = pod.namedPorts.filter { $0.name == name && $0.proto == proto }.map(\.port)
        guard !defined.isEmpty else { return "wants port \(name); \(pod.qualifiedName) defines no \(proto.kubernetesName) port named \(name)" }
        return "wants port \(name), which is \(defined.map(String.init).joined(separator: ", ")) on \(pod.qualifiedName), not \(query.port)"
    }
}

extension AddressRange {
    func contains(_ address: IPAddress) -> Bool { lower <= address && address <= upper }
}

extension Field {
    /// The address family an address field reads; nil for the others.
    var family: IPFamily? {
        switch self {
        case .sourceAddress(let family), .destinationAddress(let family): return family
        case .l4Protocol, .destinationPort: return nil
        }
    }
}

func portRange(_ range: ClosedRange<UInt16>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
}
