import IPAddressing
import Ruleset

/// Rule → expressions, in the order and register layout nft 1.0.6 produces, so that `nft list` prints
/// a rule programmed over netlink exactly as the same rule loaded from text.
struct RuleLinearizer {
    /// Whether a named set is a concatenated interval set: nft converts an l4proto key part for those.
    let isConcatenatedInterval: (String) -> Bool

    func expressions(_ rule: Rule) -> [Expression] {
        var emitter = Emitter()
        for match in rule.matches {
            switch match {
            case .conntrackState(let states):
                let bits = states.reduce(UInt32(0)) { $0 | $1.bit }
                let zero = [UInt8](repeating: 0, count: 4)
                emitter.append(.conntrackState(dreg: Register.first))
                emitter.append(.bitwise(sreg: Register.first, dreg: Register.first,
                                        mask: withUnsafeBytes(of: bits) { Array($0) }, xor: zero))
                emitter.append(.cmp(.neq, sreg: Register.first, data: zero))
            case .conntrackLabel(let bit):
                // As nft 1.0.6 emits `ct label N`: load, mask the one bit, compare with zero.
                let zero = [UInt8](repeating: 0, count: ConntrackLabel.bitCount / 8)
                emitter.append(.conntrackLabel(dreg: Register.first))
                emitter.append(.bitwise(sreg: Register.first, dreg: Register.first, mask: ConntrackLabel.bitmap(bit), xor: zero))
                emitter.append(.cmp(.neq, sreg: Register.first, data: zero))
            case .l4Protocol(let proto):
                emitter.append(Field.l4Protocol.load(into: Register.first))
                emitter.append(.cmp(.eq, sreg: Register.first, data: [proto.number]))
            case .destinationPort(let range):
                emitter.append(Field.destinationPort.load(into: Register.first))
                emitter.compare(KeyCodec.bigEndian(range.lowerBound), KeyCodec.bigEndian(range.upperBound))
            case .inSet(let fields, let set):
                emitter.lookup(fields, set: set, isVerdictMap: false, convertProtocol: isConcatenatedInterval(set))
            case .icmpv6Type(let types):
                // As nft emits `icmpv6 type 133-137` in an inet table: family, protocol, then the type byte.
                emitter.require(.v6)
                emitter.append(.meta(.l4proto, dreg: Register.first))
                emitter.append(.cmp(.eq, sreg: Register.first, data: [ICMPv6.protocolNumber]))
                emitter.append(.icmpv6TypeLoad)
                emitter.compare([types.lowerBound], [types.upperBound])
            }
        }
        if rule.counter { emitter.append(.counter) }
        if let name = rule.namedCounter { emitter.append(.counterReference(name)) }
        if let log = rule.log {
            if let limit = log.limit { emitter.append(.limitReference(limit)) }
            emitter.append(.log(group: log.group, prefix: log.prefix))
        }
        switch rule.action {
        case .verdict(let verdict): emitter.append(.verdict(verdict))
        case .reject: emitter.append(.rejectAdminProhibited)
        case .verdictMap(let fields, let map):
            emitter.lookup(fields, set: map, isVerdictMap: true, convertProtocol: isConcatenatedInterval(map))
        }
        return emitter.expressions
    }
}

/// Emits expressions while tracking the network family already matched in this rule, as nft's
/// dependency handling does: `meta nfproto` is emitted once, before the first address that needs it.
private struct Emitter {
    var expressions: [Expression] = []
    var family: IPFamily?

    mutating func append(_ expression: Expression) { expressions.append(expression) }

    /// `meta nfproto`, unless this rule already matched the family.
    mutating func require(_ needed: IPFamily) {
        guard needed != family else { return }
        append(.meta(.nfproto, dreg: Register.first))
        append(.cmp(.eq, sreg: Register.first, data: [needed.nfproto]))
        family = needed
    }

    /// The loaded value equals `lower`, or lies between `lower` and `upper` (big-endian bytes).
    mutating func compare(_ lower: [UInt8], _ upper: [UInt8]) {
        if lower == upper {
            append(.cmp(.eq, sreg: Register.first, data: lower))
        } else {
            append(.cmp(.gte, sreg: Register.first, data: lower))
            append(.cmp(.lte, sreg: Register.first, data: upper))
        }
    }

    mutating func lookup(_ fields: [Field], set: String, isVerdictMap: Bool, convertProtocol: Bool) {
        for needed in fields.compactMap(\.family) { require(needed) }
        var slot = 0
        for field in fields {
            let register = Register.forSlot(slot)
            append(field.load(into: register))
            if field == .l4Protocol, convertProtocol, fields.count > 1 {
                append(.hostToNetwork(sreg: register, dreg: register, length: 1, size: 2))
            }
            slot += (field.dataType.byteLength + 3) / 4
        }
        append(.lookup(set: set, sreg: Register.first, isVerdictMap: isVerdictMap))
    }
}
