import ClusterModel
import IPAddressing
import Ruleset

/// Turns one NetworkPolicy rule into nftables rules that `return` (allow) from a pod's chain, adding
/// what they allow to the policy's named counter. A rule allows traffic matching any of its peers and
/// any of its ports, so it becomes one nftables rule per (family, peer, port group); port groups are
/// merged into one set look-up where they can be.
struct RuleCompiler {
    let index: ClusterIndex
    /// Every Node, for ClusterNetworkPolicy `nodes` peers.
    let nodes: [String: ClusterNode]
    var sets: SetRegistry

    mutating func compile(_ rule: PolicyRule, direction: Direction, counter: String, comment: String) -> [Rule] {
        var rules: [Rule] = []
        for family in IPFamily.allCases {
            for peer in peerMatches(rule.peers, direction: direction, family: family) {
                for ports in portMatches(rule.ports, direction: direction, family: family) {
                    rules.append(Rule(matches: peer + ports, namedCounter: counter, action: .verdict(.return), comment: comment))
                }
            }
        }
        // Without peers and ports both families compile to the same bare rule: keep one.
        return rules.reduce(into: []) { kept, rule in if !kept.contains(rule) { kept.append(rule) } }
    }

    /// One entry per peer that can match in `family`; [[]] when the rule admits every peer.
    private mutating func peerMatches(_ peers: [Peer]?, direction: Direction, family: IPFamily) -> [[Match]] {
        guard let peers else { return [[]] }
        let field = direction.peerAddress(family)
        return peers.compactMap { peer in
            switch peer {
            case .pods(let scope, let selector):
                let set = sets.podPeerSet(scope: scope, selector: selector, family: family, index: index)
                return [.inSet(fields: [field], set: set)]
            case .ipBlock(let block):
                guard block.cidr.family == family else { return nil }
                return [.inSet(fields: [field], set: sets.ipBlockSet(block))]
            }
        }
    }

    /// One entry per port group: numbered ports together, then each named port on its own,
    /// because a name resolves to a different number on each pod.
    private mutating func portMatches(_ ports: [PolicyPort]?, direction: Direction, family: IPFamily) -> [[Match]] {
        guard let ports else { return [[]] }
        var numbered: [(L4Protocol, ClosedRange<UInt16>?)] = []
        var groups: [[Match]] = []
        for port in ports {
            switch port.target {
            case .all: numbered.append((port.proto, nil))
            case .numbers(let range): numbered.append((port.proto, range))
            case .named(let name):
                let scope: NamedPortScope = direction == .ingress ? .localPods : .allPods
                let set = sets.namedPortSet(name: name, proto: port.proto, family: family, scope: scope, index: index)
                groups.append([.l4Protocol(port.proto), .inSet(fields: [.destinationAddress(family), .destinationPort], set: set)])
            }
        }
        if let match = numberedPortMatch(numbered) { groups.insert(match, at: 0) }
        return groups
    }

    /// One match for protocol and port pairs (nil port: every port of the protocol); nil for none.
    mutating func numberedPortMatch(_ numbered: [(L4Protocol, ClosedRange<UInt16>?)]) -> [Match]? {
        if numbered.count == 1, let (proto, range) = numbered.first {
            return [.l4Protocol(proto)] + (range.map { [.destinationPort($0)] } ?? [])
        } else if numbered.count > 1 {
            let set = sets.portSet(numbered.map { ($0.0, $0.1 ?? 0...65535) })
            return [.inSet(fields: [.l4Protocol, .destinationPort], set: set)]
        }
        return nil
    }
}
