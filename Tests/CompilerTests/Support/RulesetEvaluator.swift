// Shared by CompilerTests and PropertyTests (Tests/PropertyTests/Support holds a symlink to this file).
import IPAddressing
import Ruleset

/// The tests' spelling of packets and verdicts over the library's `RulesetEvaluator`.
extension Packet {
    /// A TCP, UDP or SCTP packet as the forward hook sees it: the first of a connection unless `state` says otherwise.
    init(_ source: IPAddress, _ destination: IPAddress, _ proto: L4Protocol = .tcp, _ port: UInt16, state: ConntrackState = .new) {
        self.init(source: source, destination: destination, l4Protocol: proto.number, destinationPort: port, conntrackState: state)
    }

    var proto: L4Protocol { L4Protocol.allCases.first { $0.number == l4Protocol }! }
    var port: UInt16 { destinationPort! }
}

enum Outcome: Equatable, CustomStringConvertible {
    case accept, deny

    var description: String { self == .accept ? "accept" : "deny" }
}

extension RulesetEvaluator {
    /// `hook`: the forward hook (pod to pod) or the input hook (pod to this node).
    func evaluate(_ packet: Packet, hook: BaseChainHook.Hook = .forward) -> Outcome {
        verdict(for: packet, hook: hook) == .accept ? .accept : .deny
    }
}

extension Ruleset {
    func evaluate(_ packet: Packet, hook: BaseChainHook.Hook = .forward) -> Outcome { RulesetEvaluator(self).evaluate(packet, hook: hook) }

    func set(named name: String) -> NamedSet? { table.sets.first { $0.name == name } }
    func chain(named name: String) -> Chain? { table.chains.first { $0.name == name } }

    /// The chain the verdict map of `direction` ("ingress"/"egress") jumps to for `address`, if any.
    func dispatchChain(_ direction: String, for address: IPAddress) -> Chain? {
        guard let map = set(named: "\(direction)_\(address.family.rawValue)"),
              let element = map.elements.first(where: { $0.key == [.address(address)] }),
              case .jump(let name)? = element.verdict else { return nil }
        return chain(named: name)
    }

    /// Every set name a rule of any chain refers to.
    var referencedSetNames: Set<String> {
        var names: Set<String> = []
        for chain in table.chains {
            for rule in chain.rules {
                for match in rule.matches { if case .inSet(_, let set) = match { names.insert(set) } }
                if case .verdictMap(_, let map) = rule.action { names.insert(map) }
            }
        }
        return names
    }
}
