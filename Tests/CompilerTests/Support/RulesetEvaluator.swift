// Shared by CompilerTests and PropertyTests (Tests/PropertyTests/Support holds a symlink to this file).
import IPAddressing
import Ruleset

/// A packet as the forward hook sees it: the first packet of a connection unless `state` says otherwise.
struct Packet: Hashable, CustomStringConvertible {
    var source: IPAddress
    var destination: IPAddress
    var proto: L4Protocol
    var port: UInt16
    var state: ConntrackState = .new

    init(_ source: IPAddress, _ destination: IPAddress, _ proto: L4Protocol = .tcp, _ port: UInt16, state: ConntrackState = .new) {
        precondition(source.family == destination.family, "a packet has one address family")
        self.source = source
        self.destination = destination
        self.proto = proto
        self.port = port
        self.state = state
    }

    var description: String { "\(proto.kubernetesName) \(source) -> \(destination):\(port) (\(state.rawValue))" }
}

enum Outcome: Equatable, CustomStringConvertible {
    case accept, deny

    var description: String { self == .accept ? "accept" : "deny" }
}

/// Interprets the typed Ruleset model the way the kernel would run it for one packet: the base chains'
/// rules in order, sets and verdict maps looked up by value, jump/goto/return with a call stack.
/// It reads the model only, never the rendered text, so tests check what the compiler means.
struct RulesetEvaluator {
    let table: Table
    private let setsByName: [String: NamedSet]
    private let chainsByName: [String: Chain]

    init(_ ruleset: Ruleset) {
        table = ruleset.table
        setsByName = Dictionary(ruleset.table.sets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        chainsByName = Dictionary(ruleset.table.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func evaluate(_ packet: Packet) -> Outcome {
        for chain in table.chains {
            guard let hook = chain.hook, hook.hook == .forward else { continue }
            switch run(chain, packet, depth: 0) {
            case .final(let outcome):
                if outcome == .deny { return .deny }
            case .continue:
                if hook.policy == .drop { return .deny }
            }
        }
        return .accept
    }

    private enum ChainResult { case final(Outcome), `continue` }

    private func run(_ chain: Chain, _ packet: Packet, depth: Int) -> ChainResult {
        precondition(depth < 16, "jump depth exceeded in chain \(chain.name)")
        for rule in chain.rules where rule.matches.allSatisfy({ matches($0, packet) }) {
            let verdict: Verdict
            switch rule.action {
            case .reject: return .final(.deny)
            case .verdict(let plain): verdict = plain
            case .verdictMap(let fields, let mapName):
                guard let key = values(of: fields, packet), let map = set(mapName),
                      let element = map.elements.first(where: { contains($0, key) }) else { continue }
                guard let mapped = element.verdict else { preconditionFailure("map \(mapName) element without verdict") }
                verdict = mapped
            }
            switch verdict {
            case .accept: return .final(.accept)
            case .drop: return .final(.deny)
            case .return: return .continue
            case .jump(let target):
                guard let callee = chainsByName[target] else { preconditionFailure("jump to missing chain \(target)") }
                if case .final(let outcome) = run(callee, packet, depth: depth + 1) { return .final(outcome) }
            case .goto(let target):
                guard let callee = chainsByName[target] else { preconditionFailure("goto missing chain \(target)") }
                return run(callee, packet, depth: depth + 1)
            }
        }
        return .continue
    }

    private func set(_ name: String) -> NamedSet? {
        guard let found = setsByName[name] else { preconditionFailure("reference to missing set \(name)") }
        return found
    }

    private func matches(_ match: Match, _ packet: Packet) -> Bool {
        switch match {
        case .conntrackState(let states): return states.contains(packet.state)
        case .l4Protocol(let proto): return proto == packet.proto
        case .destinationPort(let range): return range.contains(packet.port)
        case .inSet(let fields, let name):
            guard let key = values(of: fields, packet), let set = set(name) else { return false }
            return set.elements.contains { contains($0, key) }
        case .icmpv6Type: return false  // the model's packets are TCP, UDP or SCTP
        }
    }

    private enum Value { case address(IPAddress), proto(L4Protocol), port(UInt16) }

    /// The packet's values for a concatenation; nil when a field belongs to the other family
    /// (nft adds an implicit `meta nfproto` dependency, so such a rule does not match).
    private func values(of fields: [Field], _ packet: Packet) -> [Value]? {
        var result: [Value] = []
        for field in fields {
            switch field {
            case .sourceAddress(let family):
                guard packet.source.family == family else { return nil }
                result.append(.address(packet.source))
            case .destinationAddress(let family):
                guard packet.destination.family == family else { return nil }
                result.append(.address(packet.destination))
            case .l4Protocol: result.append(.proto(packet.proto))
            case .destinationPort: result.append(.port(packet.port))
            }
        }
        return result
    }

    private func contains(_ element: SetElement, _ key: [Value]) -> Bool {
        guard element.key.count == key.count else { return false }
        return zip(element.key, key).allSatisfy { part, value in
            switch (part, value) {
            case let (.address(range), .address(address)):
                return range.family == address.family && range.lower <= address && address <= range.upper
            case let (.l4Protocol(proto), .proto(value)): return proto == value
            case let (.ports(range), .port(value)): return range.contains(value)
            default: return false
            }
        }
    }
}

extension Ruleset {
    func evaluate(_ packet: Packet) -> Outcome { RulesetEvaluator(self).evaluate(packet) }

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
