import HashTreeCollections
import IPAddressing
@testable import NftNetlink
import Ruleset
import TestSupport

/// Reproducible random rulesets covering every construct of the model: plain, interval, concatenated
/// and concatenated-interval sets, verdict maps of each shape, named counters, base and regular chains,
/// and rules with every match, counter statement and action. Chains come in three tiers (base → middle → leaf) and maps jump only to
/// leaves, so the kernel's loop check always passes.
struct RandomRuleset {
    private var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func ruleset() -> Ruleset {
        let leaves = (0..<random.int(2...4)).map { Chain(name: "leaf_\($0)", comment: maybeComment()) }
        let middles = (0..<random.int(1...3)).map { Chain(name: "mid_\($0)", comment: maybeComment()) }
        let hooks: [BaseChainHook.Hook] = [.forward, .input, .output]
        let bases = (0..<random.int(1...2)).map { index in
            Chain(name: "base_\(index)", hook: BaseChainHook(hook: random.pick(hooks), priority: Int32(random.int(-300...300)),
                                                             policy: random.bool() ? .accept : .drop), comment: maybeComment())
        }
        var table = Table(family: .inet, name: "rnd", comment: maybeComment(), chains: bases + middles + leaves)
        for (index, shape) in SetShape.all.enumerated() where random.int(0...4) > 0 {
            table.sets.append(newSet(named: "s\(index)_\(shape.label)", shape: shape, leaves: leaves.map(\.name)))
        }
        table.counters = (0..<random.int(0...3)).map { NamedCounter(name: "k\($0)", comment: maybeComment()) }
        table.limits = (0..<random.int(0...2)).map { NamedLimit(name: "l\($0)", packetsPerSecond: rate(), burst: UInt32(random.int(1...100)),
                                                                comment: maybeComment()) }
        for index in table.chains.indices {
            table.chains[index].rules = rules(for: table.chains[index].name, in: table)
        }
        return Ruleset(table: table)
    }

    /// Changes of every kind a delta must handle: elements, redefined sets, chains and counters,
    /// rewritten and removed chains, removed and added sets and counters.
    mutating func mutate(_ ruleset: Ruleset) -> Ruleset {
        var table = ruleset.table
        if let victim = table.sets.indices.randomElement(using: &random) {
            let name = table.sets.remove(at: victim).name
            for index in table.chains.indices { table.chains[index].rules.removeAll { $0.uses(set: name) } }
        }
        if random.bool(), let victim = table.counters.indices.randomElement(using: &random) {
            let name = table.counters.remove(at: victim).name
            for index in table.chains.indices {
                table.chains[index].rules = table.chains[index].rules.map { $0.namedCounter == name ? $0.counting(into: nil) : $0 }
            }
        }
        for index in table.counters.indices where random.int(0...4) == 0 { table.counters[index].comment = comment() }
        // A redefined limit is deleted and created again, after the rules naming it are flushed.
        for index in table.limits.indices where random.int(0...3) == 0 { table.limits[index].packetsPerSecond = rate() }
        table.counters.append(NamedCounter(name: "kn\(random.int(0...Int(UInt32.max)))", comment: maybeComment()))
        let leaves = table.chains.filter { $0.name.hasPrefix("leaf_") }
        if leaves.count > 1, let victim = leaves.randomElement(using: &random) {
            table.chains.removeAll { $0.name == victim.name }
            for index in table.chains.indices {
                table.chains[index].rules = table.chains[index].rules.map { $0.jumping(to: victim.name, replacedBy: .accept) }
            }
            for index in table.sets.indices {
                table.sets[index].elements = TreeSet(table.sets[index].elements.map { $0.jumping(to: victim.name, replacedBy: .drop) })
            }
        }
        let leafNames = table.chains.filter { $0.name.hasPrefix("leaf_") }.map(\.name)
        for index in table.sets.indices where random.bool() {
            table.sets[index].elements = TreeSet(mutatedElements(of: table.sets[index], leaves: leafNames))
            if random.int(0...4) == 0 { table.sets[index].comment = comment() }
        }
        // Names no earlier version used, so rulesets can be mutated again and again.
        let newLeaf = "leaf_n\(random.int(0...Int(UInt32.max)))"
        table.chains.append(Chain(name: newLeaf, comment: maybeComment()))
        let shape = random.pick(SetShape.all)
        table.sets.append(newSet(named: "n\(random.int(0...Int(UInt32.max)))_\(shape.label)", shape: shape, leaves: leafNames + [newLeaf]))
        for index in table.chains.indices {
            if table.chains[index].hook != nil, random.int(0...3) == 0 {
                table.chains[index].hook!.policy = table.chains[index].hook!.policy == .accept ? .drop : .accept
            } else if table.chains[index].hook == nil, random.int(0...5) == 0 {
                table.chains[index].comment = comment()
            }
            if random.int(0...2) == 0 { table.chains[index].rules = rules(for: table.chains[index].name, in: table) }
        }
        return Ruleset(table: table)
    }

    // MARK: - Sets

    private mutating func newSet(named name: String, shape: SetShape, leaves: [String]) -> NamedSet {
        var set = NamedSet(name: name, keyType: shape.keyType, isInterval: shape.isInterval, isVerdictMap: shape.isMap,
                           comment: maybeComment())
        set.elements = TreeSet(elements(of: set, count: random.int(0...10), leaves: leaves))
        return set
    }

    private mutating func mutatedElements(of set: NamedSet, leaves: [String]) -> [SetElement] {
        // Interval keys must stay disjoint: draw them again.
        if set.isInterval { return elements(of: set, count: random.int(0...10), leaves: leaves) }
        // Sorted first: hash order changes from run to run, and a seed must replay the same ruleset.
        var kept = set.elements.sorted().filter { _ in random.int(0...3) > 0 }
        kept += elements(of: set, count: random.int(0...4), leaves: leaves)
        var seen = Set<SetKey>()
        return kept.filter { seen.insert($0.key).inserted }
    }

    private mutating func elements(of set: NamedSet, count: Int, leaves: [String]) -> [SetElement] {
        var keys: [[KeyPart]]
        if set.isInterval {
            keys = intervalKeys(set.keyType, count: count)
        } else {
            var seen = Set<[KeyPart]>()
            keys = (0..<count).map { _ in set.keyType.map { singleValue($0) } }.filter { seen.insert($0).inserted }
        }
        return keys.map { SetElement(key: SetKey($0), verdict: set.isVerdictMap ? verdict(leaves: leaves) : nil) }
    }

    private mutating func singleValue(_ type: DataType) -> KeyPart {
        switch type {
        case .ipv4Address: return .address(.v4(0x0a00_0000 | UInt32(random.int(0...0xffff))))
        case .ipv6Address: return .address(.v6(UInt128(0xfd00) << 112 | UInt128(random.int(0...0xffff))))
        case .inetProtocol: return .l4Protocol(random.pick(L4Protocol.allCases))
        case .inetService: return .port(UInt16(random.int(1...65535)))
        }
    }

    /// Disjoint keys: merged address ranges (sometimes touching 0 or the top), disjoint port ranges, and
    /// each concatenated key on a distinct first field.
    private mutating func intervalKeys(_ types: [DataType], count: Int) -> [[KeyPart]] {
        let first: [KeyPart]
        switch types[0] {
        case .ipv4Address, .ipv6Address: first = addressRanges(types[0] == .ipv4Address ? .v4 : .v6, count: count).map { .address($0) }
        case .inetProtocol: first = Array(L4Protocol.allCases.shuffled(using: &random).prefix(min(count, 3))).map { .l4Protocol($0) }
        case .inetService: first = portRanges(count: count).map { .ports($0) }
        }
        return first.map { part in [part] + types.dropFirst().map { $0 == .inetService ? .ports(portRange()) : singleValue($0) } }
    }

    private mutating func addressRanges(_ family: IPFamily, count: Int) -> [AddressRange] {
        var ranges = AddressRangeSet()
        for _ in 0..<count {
            let length = family == .v4 ? random.int(8...32) : random.int(16...128)
            let address: IPAddress = switch random.int(0...5) {
            case 0: family == .v4 ? .v4(0) : .v6(0)
            case 1: family == .v4 ? .v4(.max) : .v6(.max)
            default: family == .v4 ? .v4(UInt32(random.int(0...0xffff)) << 16 | UInt32(random.int(0...0xffff)))
                : .v6(UInt128(0xfd00) << 112 | UInt128(random.int(0...0xffff_ffff)) << 32)
            }
            ranges.insert(CIDR(address: address, prefixLength: length).range)
        }
        return ranges.ranges
    }

    private mutating func portRange() -> ClosedRange<UInt16> {
        let low = UInt16(random.int(1...60000))
        return low...low + UInt16(random.int(0...5000))
    }

    /// Up to `count` disjoint ranges.
    private mutating func portRanges(count: Int) -> [ClosedRange<UInt16>] {
        let bounds = Set((0..<count * 2).map { _ in UInt16(random.int(1...65535)) }).sorted()
        return stride(from: 0, to: bounds.count - 1, by: 2).map { bounds[$0]...bounds[$0 + 1] }
    }

    // MARK: - Rules

    private mutating func rules(for chain: String, in table: Table) -> [Rule] {
        (0..<random.int(0...6)).map { _ in rule(in: chain, table: table) }
    }

    private mutating func rule(in chain: String, table: Table) -> Rule {
        let family: IPFamily = random.bool() ? .v4 : .v6
        let fits = { (set: NamedSet) in set.keyType.allSatisfy { $0 != (family == .v4 ? .ipv6Address : .ipv4Address) } }
        var matches: [Match] = []
        for _ in 0..<random.int(0...3) {
            switch random.int(0...4) {
            case 0: matches.append(.conntrackState(Set(ConntrackState.known.filter { _ in random.bool() }).nonEmpty ?? [.new]))
            case 1: matches.append(.l4Protocol(random.pick(L4Protocol.allCases)))
            case 2:
                matches.append(.destinationPort(portRange()))
            case 3: matches.append(.conntrackLabel(bit: UInt8(random.int(0...ConntrackLabel.bitCount - 1))))
            default:
                if let set = table.sets.filter({ !$0.isVerdictMap && fits($0) }).randomElement(using: &random) {
                    matches.append(.inSet(fields: fields(for: set.keyType), set: set.name))
                }
            }
        }
        if family == .v6, random.int(0...4) == 0 {
            // ICMPv6 names its own protocol: no other transport match beside it.
            matches.removeAll(where: \.testsTransport)
            let low = UInt8(random.int(0...255))
            matches.append(.icmpv6Type(low...UInt8(random.int(Int(low)...255))))
        }
        let leaves = table.chains.filter { $0.name.hasPrefix("leaf_") }.map(\.name)
        let targets = chain.hasPrefix("base_") ? table.chains.filter { !$0.name.hasPrefix("base_") }.map(\.name)
            : chain.hasPrefix("mid_") ? leaves : []
        let maps = chain.hasPrefix("leaf_") ? [] : table.sets.filter { $0.isVerdictMap && fits($0) }
        let action: Action = switch random.int(0...6) {
        case 0 where !targets.isEmpty: .verdict(random.bool() ? .jump(random.pick(targets)) : .goto(random.pick(targets)))
        case 1 where !maps.isEmpty: { let map = random.pick(maps); return .verdictMap(fields: fields(for: map.keyType), map: map.name) }()
        case 2: .reject
        case 3: .verdict(.return)
        case 4: .verdict(.drop)
        default: .verdict(.accept)
        }
        let namedCounter = random.bool() ? table.counters.randomElement(using: &random)?.name : nil
        let log = random.int(0...3) > 0 ? nil : LogStatement(group: UInt16(random.int(0...Int(UInt16.max))), prefix: "p\(random.int(0...999))",
                                                             limit: table.limits.randomElement(using: &random)?.name)
        return Rule(matches: matches, counter: random.bool(), namedCounter: namedCounter, log: log, action: action, comment: maybeComment())
    }

    private mutating func rate() -> UInt64 { UInt64(random.int(1...1000)) }

    private mutating func fields(for types: [DataType]) -> [Field] {
        let source = random.bool()
        return types.map { type in
            switch type {
            case .ipv4Address: return source ? .sourceAddress(.v4) : .destinationAddress(.v4)
            case .ipv6Address: return source ? .sourceAddress(.v6) : .destinationAddress(.v6)
            case .inetProtocol: return .l4Protocol
            case .inetService: return .destinationPort
            }
        }
    }

    private mutating func verdict(leaves: [String]) -> Verdict {
        switch random.int(0...4) {
        case 0: return .accept
        case 1: return .drop
        case 2: return .goto(random.pick(leaves))
        default: return .jump(random.pick(leaves))
        }
    }

    private mutating func maybeComment() -> String? { random.bool() ? comment() : nil }

    private mutating func comment() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789 /-_.:,[]=!")
        return "c" + String((0..<random.int(0...40)).map { _ in random.pick(alphabet) })
    }
}

/// The set shapes the compiler emits, and the others the model allows.
struct SetShape {
    let keyType: [DataType]
    let isInterval: Bool
    let isMap: Bool

    var label: String {
        let fields = keyType.map { type in
            switch type {
            case .ipv4Address: return "v4"
            case .ipv6Address: return "v6"
            case .inetProtocol: return "proto"
            case .inetService: return "svc"
            }
        }
        return fields.joined(separator: "_") + (isInterval ? "_iv" : "") + (isMap ? "_map" : "")
    }

    static let all: [SetShape] = [
        SetShape(keyType: [.ipv4Address], isInterval: false, isMap: false),
        SetShape(keyType: [.ipv6Address], isInterval: false, isMap: false),
        SetShape(keyType: [.ipv4Address], isInterval: true, isMap: false),
        SetShape(keyType: [.ipv6Address], isInterval: true, isMap: false),
        SetShape(keyType: [.ipv4Address, .inetService], isInterval: false, isMap: false),
        SetShape(keyType: [.ipv6Address, .inetService], isInterval: false, isMap: false),
        SetShape(keyType: [.ipv4Address, .inetProtocol, .inetService], isInterval: false, isMap: false),
        SetShape(keyType: [.inetProtocol, .inetService], isInterval: true, isMap: false),
        SetShape(keyType: [.ipv4Address, .inetService], isInterval: true, isMap: false),
        SetShape(keyType: [.inetService], isInterval: false, isMap: false),
        SetShape(keyType: [.inetService], isInterval: true, isMap: false),
        SetShape(keyType: [.inetProtocol], isInterval: false, isMap: false),
        SetShape(keyType: [.ipv4Address], isInterval: false, isMap: true),
        SetShape(keyType: [.ipv6Address], isInterval: false, isMap: true),
        SetShape(keyType: [.ipv4Address], isInterval: true, isMap: true),
        SetShape(keyType: [.ipv4Address, .inetService], isInterval: false, isMap: true),
        SetShape(keyType: [.inetProtocol, .inetService], isInterval: true, isMap: true),
    ]
}

extension Set {
    var nonEmpty: Self? { isEmpty ? nil : self }
}

extension Match {
    var testsTransport: Bool {
        switch self {
        case .conntrackState, .conntrackLabel: return false
        case .l4Protocol, .destinationPort, .icmpv6Type: return true
        case .inSet(let fields, _): return fields.contains { $0 == .l4Protocol || $0 == .destinationPort }
        }
    }
}

extension Rule {
    func uses(set name: String) -> Bool {
        if case .verdictMap(_, name) = action { return true }
        return matches.contains { if case .inSet(_, name) = $0 { return true } else { return false } }
    }

    func jumping(to chain: String, replacedBy replacement: Verdict) -> Rule {
        var copy = self
        if case .verdict(.jump(chain)) = action { copy.action = .verdict(replacement) }
        if case .verdict(.goto(chain)) = action { copy.action = .verdict(replacement) }
        return copy
    }

    func counting(into counter: String?) -> Rule {
        var copy = self
        copy.namedCounter = counter
        return copy
    }
}

extension SetElement {
    func jumping(to chain: String, replacedBy replacement: Verdict) -> SetElement {
        var copy = self
        if verdict == .jump(chain) || verdict == .goto(chain) { copy.verdict = replacement }
        return copy
    }
}
