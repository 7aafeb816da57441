import IPAddressing

/// The verdict the table would give a packet, computed from the typed model alone (no kernel): a
/// pure function, so revocation can ask which open connections the new rules deny, and tools can
/// explain a verdict. It follows nftables semantics for the forms this model has: rules in order,
/// a rule whose matches all hold takes its action, `jump` comes back to the next rule unless the
/// called chain decided, `goto` does not come back, `return` and the end of a regular chain go back
/// to the caller, and the end of a base chain applies its policy. A rule's log statement decides nothing;
/// when its limit is spent the kernel skips the rule, and the compiler's next rule takes the same action.
public struct RulesetEvaluator: Sendable {
    private let chains: [String: Chain]
    private let sets: [String: SetLookup]
    /// The base chains of each hook, in the order the kernel runs them.
    private let baseChains: [BaseChainHook.Hook: [Chain]]
    /// The sets whose keys hold an address, in a fixed order (see `addressProfile`).
    private let addressSets: [SetLookup]

    /// The kernel refuses deeper jump stacks (NFT_JUMP_STACK_SIZE); a deeper walk is a broken model.
    private static let maximumDepth = 16

    public init(_ ruleset: Ruleset) {
        chains = Dictionary(ruleset.table.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        sets = Dictionary(ruleset.table.sets.map { ($0.name, SetLookup($0)) }, uniquingKeysWith: { first, _ in first })
        baseChains = Dictionary(grouping: ruleset.table.chains.filter { $0.hook != nil }, by: { $0.hook!.hook })
            .mapValues { $0.sorted { ($0.hook!.priority, $0.name) < ($1.hook!.priority, $1.name) } }
        addressSets = ruleset.table.sets.sorted { $0.name < $1.name }
            .filter { $0.keyType.contains(.ipv4Address) || $0.keyType.contains(.ipv6Address) }.map(SetLookup.init)
    }

    /// What the table can see of `address` in packets of one protocol and destination port: the
    /// answer of every set and map whose key holds an address (the protocol and port filling the rest
    /// of the key). The walk reads addresses only through such look-ups, so two addresses with equal
    /// profiles get equal verdicts on either side of any packet of that protocol and port: a caller
    /// judging many pairs (the reachability matrix) can walk once per pair of profiles.
    public func addressProfile(_ address: IPAddress, l4Protocol: UInt8, port: UInt16) -> [Verdict?] {
        addressSets.map { set in
            var key: [KeyValue] = []
            for type in set.keyType {
                switch type {
                case .ipv4Address, .ipv6Address:
                    guard (type == .ipv4Address) == (address.family == .v4) else { return nil }
                    key.append(.address(address))
                case .inetProtocol: key.append(.l4Protocol(l4Protocol))
                case .inetService: key.append(.port(port))
                }
            }
            return set.verdict(for: key)
        }
    }

    /// The verdict of the table's base chains on `hook` for `packet`, in table order; a table without
    /// such a chain accepts.
    public func verdict(for packet: Packet, hook: BaseChainHook.Hook = .forward) -> PacketVerdict {
        var observer = NoTrace()
        return walk(packet, hook: hook, observer: &observer)
    }

    /// The same walk as `verdict(for:hook:)`, recording every chain entered and rule tried.
    public func trace(for packet: Packet, hook: BaseChainHook.Hook = .forward) -> EvaluationTrace {
        var trace = EvaluationTrace()
        trace.verdict = walk(packet, hook: hook, observer: &trace)
        return trace
    }

    private func walk<Observer: EvaluationObserver>(_ packet: Packet, hook: BaseChainHook.Hook, observer: inout Observer) -> PacketVerdict {
        for base in baseChains[hook] ?? [] {
            let outcome = run(base, packet, depth: 0, observer: &observer) ?? (base.hook!.policy == .accept ? .accept : .drop)
            if outcome != .accept { return outcome }
        }
        return .accept
    }

    /// The chain's decision, or nil when it returns to its caller.
    private func run<Observer: EvaluationObserver>(_ chain: Chain, _ packet: Packet, depth: Int, observer: inout Observer) -> PacketVerdict? {
        guard depth < Self.maximumDepth else { return .drop }
        observer.entered(chain.name)
        for (position, rule) in chain.rules.enumerated() {
            if let failed = rule.matches.firstIndex(where: { !matches($0, packet) }) {
                observer.tried(chain.name, rule: position, outcome: .failed(match: failed))
                continue
            }
            let verdict: Verdict
            switch rule.action {
            case .reject:
                observer.tried(chain.name, rule: position, outcome: .rejected)
                return .reject
            case .verdict(let fixed): verdict = fixed
            case .verdictMap(let fields, let map):
                guard let key = key(fields, packet), let mapped = sets[map]?.verdict(for: key) else {
                    observer.tried(chain.name, rule: position, outcome: .noMapElement)
                    continue
                }
                verdict = mapped
            }
            observer.tried(chain.name, rule: position, outcome: .took(verdict))
            switch verdict {
            case .accept: return .accept
            case .drop: return .drop
            case .return: return nil
            case .goto(let target): return chains[target].flatMap { run($0, packet, depth: depth + 1, observer: &observer) }
            case .jump(let target):
                if let decided = chains[target].flatMap({ run($0, packet, depth: depth + 1, observer: &observer) }) { return decided }
            }
        }
        return nil
    }

    private func matches(_ match: Match, _ packet: Packet) -> Bool {
        switch match {
        case .conntrackState(let states): return states.contains(packet.conntrackState)
        case .conntrackLabel(let bit): return packet.conntrackLabels.contains(bit)
        case .l4Protocol(let proto): return packet.l4Protocol == proto.number
        case .destinationPort(let range): return packet.destinationPort.map(range.contains) ?? false
        case .inSet(let fields, let set):
            guard let key = key(fields, packet) else { return false }
            return sets[set]?.verdict(for: key) != nil
        // The model's packets carry no ICMP type: they are the first packets of TCP, UDP and SCTP
        // connections, which neighbour discovery never is.
        case .icmpv6Type: return false
        }
    }

    /// The packet's values of `fields`; nil when one does not apply (an IPv4 field of an IPv6 packet).
    private func key(_ fields: [Field], _ packet: Packet) -> [KeyValue]? {
        var key: [KeyValue] = []
        for field in fields {
            switch field {
            case .sourceAddress(let family):
                guard packet.family == family else { return nil }
                key.append(.address(packet.source))
            case .destinationAddress(let family):
                guard packet.family == family else { return nil }
                key.append(.address(packet.destination))
            case .l4Protocol: key.append(.l4Protocol(packet.l4Protocol))
            case .destinationPort:
                guard let port = packet.destinationPort else { return nil }
                key.append(.port(port))
            }
        }
        return key
    }
}

/// One field value of a packet, as a set lookup compares it.
enum KeyValue: Hashable {
    case address(IPAddress)
    case l4Protocol(UInt8)
    case port(UInt16)

    func isWithin(_ part: KeyPart) -> Bool {
        switch (self, part) {
        case let (.address(address), .address(range)): return range.lower <= address && address <= range.upper
        case let (.l4Protocol(number), .l4Protocol(proto)): return number == proto.number
        case let (.port(port), .ports(range)): return range.contains(port)
        default: return false
        }
    }
}

/// A set or verdict map, ready for lookups: single values by hash, ranges by a scan.
private struct SetLookup: Sendable {
    let keyType: [DataType]
    /// What an element maps to: its verdict, or `.accept` standing for "present" in a plain set.
    private var exact: [[KeyValue]: Verdict] = [:]
    private var ranged: [SetElement] = []

    init(_ set: NamedSet) {
        keyType = set.keyType
        for element in set.elements {
            let verdict = element.verdict ?? .accept
            let values = element.key.compactMap(Self.singleValue)
            if values.count == element.key.count { exact[values] = verdict } else { ranged.append(element) }
        }
    }

    private static func singleValue(_ part: KeyPart) -> KeyValue? {
        switch part {
        case .address(let range): return range.lower == range.upper ? .address(range.lower) : nil
        case .l4Protocol(let proto): return .l4Protocol(proto.number)
        case .ports(let range): return range.lowerBound == range.upperBound ? .port(range.lowerBound) : nil
        }
    }

    /// The element's verdict (`.accept` for a plain set) when `key` is in the set.
    func verdict(for key: [KeyValue]) -> Verdict? {
        if let verdict = exact[key] { return verdict }
        let element = ranged.first { element in
            element.key.count == key.count && zip(key, element.key).allSatisfy { $0.isWithin($1) }
        }
        return element.map { $0.verdict ?? .accept }
    }
}
