import ClusterModel
import IPAddressing
import Ruleset

/// The matches of one ClusterNetworkPolicy rule: it matches traffic to or from any of its peers with any
/// of its protocols, so it becomes one match list per (family, peer, protocol group). The caller adds
/// the action; the semantics are those of network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go.
extension RuleCompiler {
    mutating func matches(of rule: ClusterPolicyRule, direction: Direction) -> [[Match]] {
        var matches: [[Match]] = []
        for family in IPFamily.allCases {
            let protocols = protocolMatches(rule.protocols, direction: direction, family: family)
            for peer in rule.peers.compactMap({ peerMatch($0, direction: direction, family: family) }) {
                for protocolMatch in protocols where !matches.contains(peer + protocolMatch) {
                    matches.append(peer + protocolMatch)
                }
            }
        }
        return matches
    }

    /// nil when the peer holds no address of `family`. Pod peers never hold hostNetwork pods
    /// (Pod.isEnforceable); `namespaces` selects every pod of the matching namespaces.
    private mutating func peerMatch(_ peer: ClusterPolicyPeer, direction: Direction, family: IPFamily) -> [Match]? {
        let set: String?
        switch peer {
        case .namespaces(let namespaces):
            set = sets.podPeerSet(scope: .selected(namespaces), selector: .everything, family: family, index: index)
        case .pods(let namespaces, let pods):
            set = sets.podPeerSet(scope: .selected(namespaces), selector: pods, family: family, index: index)
        case .networks(let cidrs):
            set = sets.networksSet(cidrs, family: family)
        case .nodes(let selector):
            set = sets.nodePeerSet(selector: selector, family: family, nodes: nodes)
        }
        return set.map { [.inSet(fields: [direction.peerAddress(family)], set: $0)] }
    }

    /// [[]] without protocols (every protocol and port). Numbered ports share one match; a named port
    /// matches (destination address . protocol . port) against the destination pods' containerPorts
    /// of that name, with each port's own protocol: ingress on the local subject, egress on any pod.
    private mutating func protocolMatches(_ protocols: [ClusterPolicyProtocol]?, direction: Direction, family: IPFamily) -> [[Match]] {
        guard let protocols else { return [[]] }
        var numbered: [(L4Protocol, ClosedRange<UInt16>?)] = []
        var groups: [[Match]] = []
        for entry in protocols {
            switch entry {
            case .ports(let proto, let range): numbered.append((proto, range))
            case .namedPort(let name):
                let scope: NamedPortScope = direction == .ingress ? .localPods : .allPods
                let set = sets.namedPortSet(name: name, proto: nil, family: family, scope: scope, index: index)
                groups.append([.inSet(fields: [.destinationAddress(family), .l4Protocol, .destinationPort], set: set)])
            }
        }
        if let match = numberedPortMatch(numbered) { groups.insert(match, at: 0) }
        return groups
    }
}
