import ClusterModel
import IPAddressing
import Ruleset

/// Turns one NetworkPolicy rule into nftables rules that `return` (allow) from a pod's chain, adding
/// what they allow to the policy's named counter. A rule allows traffic matching any of its peers and
/// any of its ports, so it becomes one nftables rule per (family, peer set, port group): each pod peer
/// has its set, the rule's ipBlocks of the family share one; port groups are merged into one set
/// look-up where they can be.
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

    /// One entry per set of peers that can match in `family`: each pod peer's own set (shared by every
    /// rule naming that peer), then one set of the rule's ipBlocks of the family; [[]] when the rule
    /// admits every peer.
    private mutating func peerMatches(_ peers: [Peer]?, direction: Direction, family: IPFamily) -> [[Match]] {
        guard let peers else { return [[]] }
        let field = direction.peerAddress(family)
        var names: [String] = [], blocks: [IPBlock] = []
        for peer in peers {
            switch peer {
            case .pods(let scope, let selector): names.append(sets.podPeerSet(scope: scope, selector: selector, family: family, index: index))
            case .ipBlock(let block) where block.cidr.family == family: blocks.append(block)
            case .ipBlock: continue
            }
        }
        // Pod peers keep sets of their own: a union would copy large shared sets (a namespaceSelector's
        // pods) into a new set for each rule, and a new group would have to add all those elements.
        if !blocks.isEmpty { names.append(sets.ipBlockSet(blocks)) }
        return names.map { [.inSet(fields: [field], set: $0)] }
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
