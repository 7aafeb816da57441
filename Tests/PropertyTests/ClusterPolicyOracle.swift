import IPAddressing
import Ruleset

/// ClusterNetworkPolicy tier semantics written down from the API (network-policy-api
/// apis/v1alpha2/clusternetworkpolicy_types.go; the project's readings in shared/reference/cnp.md §4, §6),
/// over the generator's plain values, per direction of one connection:
/// Admin tier, then the NetworkPolicy tier if NetworkPolicies isolate the pod in this direction, then
/// the Baseline tier, then allow. In a tier, policies by (priority, name), rules in written order; the
/// first matching rule decides: Accept allows, Deny denies, Pass leaves the tier.
extension Oracle {
    private enum Outcome { case allow, deny, pass, noMatch }

    func permits(_ judgement: Judgement, _ packet: Packet, networkPolicyTier: (Judgement, Packet) -> Bool) -> Bool {
        switch tier("Admin", judgement, packet) {
        case .allow: return true
        case .deny: return false
        case .pass, .noMatch: break
        }
        if !isolating(judgement.subject, type: judgement.type).isEmpty { return networkPolicyTier(judgement, packet) }
        return tier("Baseline", judgement, packet) != .deny
    }

    private func tier(_ tier: String, _ judgement: Judgement, _ packet: Packet) -> Outcome {
        let policies = cluster.clusterPolicies.filter { $0.tier == tier && subjectSelects($0.subject, judgement.subject) }
            .sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
        for policy in policies {
            // The stand-in of an unreadable policy denies everything for its subjects.
            if policy.unreadable { return .deny }
            for rule in judgement.type == "Ingress" ? policy.ingress : policy.egress {
                if rule.failsClosed {
                    // Accept matches nothing; Deny and Pass deny everything.
                    if rule.action == "Accept" { continue }
                    return .deny
                }
                guard rule.peers.contains(where: { peerMatches($0, judgement) }), protocolsMatch(rule.protocols, judgement, packet) else { continue }
                switch rule.action {
                case "Accept": return .allow
                case "Deny": return .deny
                default: return .pass
                }
            }
        }
        return .noMatch
    }

    private func namespaceMatches(_ selector: GenSelector?, _ pod: GenPod) -> Bool {
        guard let labels = namespaceLabels[pod.namespace] else { return false }
        return selector.map { Oracle.matches($0, labels) } ?? true
    }

    private func subjectSelects(_ subject: GenSubject, _ pod: GenPod) -> Bool {
        switch subject {
        case .namespaces(let namespaces): return namespaceMatches(namespaces, pod)
        case .pods(let namespaces, let pods): return namespaceMatches(namespaces, pod) && Oracle.matches(pods, pod.labels)
        }
    }

    /// Pod peers are enforceable pods only (`pod(at:)`: never hostNetwork); networks and nodes match addresses.
    private func peerMatches(_ peer: GenCNPPeer, _ judgement: Judgement) -> Bool {
        let address = judgement.peerAddress
        switch peer {
        case .namespaces(let namespaces):
            return judgement.peer.map { namespaceMatches(namespaces, $0) } ?? false
        case .pods(let namespaces, let pods):
            return judgement.peer.map { namespaceMatches(namespaces, $0) && Oracle.matches(pods, $0.labels) } ?? false
        case .networks(let cidrs):
            return cidrs.contains { text in
                let range = CIDR(text)!.range
                return range.family == address.family && range.lower <= address && address <= range.upper
            }
        case .nodes(let selector):
            return cluster.nodes.contains { node in
                Oracle.matches(selector, node.labels) && node.addresses.contains { IPAddress($0)! == address }
            }
        }
    }

    /// No protocols: everything. A named port is a containerPort of the receiving pod, with its own protocol.
    private func protocolsMatch(_ protocols: [GenCNPProtocol]?, _ judgement: Judgement, _ packet: Packet) -> Bool {
        guard let protocols else { return true }
        return protocols.contains { entry in
            switch entry {
            case .port(let proto, let start, let end):
                return proto == packet.proto.kubernetesName && (start...(end ?? start)).contains(Int(packet.port))
            case .namedPort(let name):
                return judgement.receiver?.servingPorts.contains {
                    $0.name == name && ($0.proto ?? "TCP") == packet.proto.kubernetesName && $0.number == Int(packet.port)
                } ?? false
            }
        }
    }
}
