import IPAddressing
import Ruleset

/// Expressions → rule, the inverse of `RuleLinearizer`. A rule is accepted only if linearizing the result
/// gives back the very same expressions, so anything this agent would not have written is reported.
struct RuleDelinearizer {
    let linearizer: RuleLinearizer

    func rule(_ expressions: [Expression], comment: String?) throws(WireDecodingError) -> Rule {
        var matches: [Match] = [], counter = false, namedCounter: String?, limit: String?, log: LogStatement?, action: Action?
        var loaded: [Field] = []
        var rest = expressions[...]
        while let expression = rest.popFirst() {
            guard action == nil else { throw .unexpected("\(expression) after the rule's action") }
            switch expression {
            case .meta(.nfproto, _):
                rest = rest.dropFirst()  // the family check before an address; the linearizer puts it back
            case .conntrackState:
                guard case .bitwise(_, _, let mask, _)? = rest.popFirst(), case .cmp(.neq, _, _)? = rest.popFirst(),
                      mask.count == 4 else { throw .unexpected("ct state without its mask and comparison") }
                let bits = mask.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                matches.append(.conntrackState(Set(ConntrackState.known.filter { bits & $0.bit != 0 })))
            case .conntrackLabel:
                guard case .bitwise(_, _, let mask, _)? = rest.popFirst(), case .cmp(.neq, _, _)? = rest.popFirst(),
                      mask.count == ConntrackLabel.bitCount / 8, mask.filter({ $0 != 0 }).count == 1,
                      let byte = mask.firstIndex(where: { $0 != 0 }), mask[byte].nonzeroBitCount == 1
                else { throw .unexpected("ct label without a one-bit mask and comparison") }
                matches.append(.conntrackLabel(bit: UInt8(byte * 8 + mask[byte].trailingZeroBitCount)))
            case .hostToNetwork:
                break  // part of an l4proto key load; the linearizer puts it back
            case .lookup(let set, _, let isVerdictMap):
                if isVerdictMap { action = .verdictMap(fields: loaded, map: set) } else { matches.append(.inSet(fields: loaded, set: set)) }
                loaded = []
            case .counter:
                counter = true
            case .counterReference(let name):
                namedCounter = name
            case .limitReference(let name):
                limit = name
            case .log(let group, let prefix):
                log = LogStatement(group: group, prefix: prefix, limit: limit)
            case .rejectAdminProhibited:
                action = .reject
            case .verdict(let verdict):
                action = .verdict(verdict)
            case .meta(.l4proto, _) where loaded.isEmpty && rest.first == .cmp(.eq, sreg: Register.first, data: [ICMPv6.protocolNumber]):
                guard rest.dropFirst().first == .icmpv6TypeLoad, let types = bounds(in: &rest, after: 2),
                      let low = types.lower.first, let high = types.upper.first, types.lower.count == 1, low <= high
                else { throw .unexpected("icmpv6 without a type comparison") }
                matches.append(.icmpv6Type(low...high))
            case .meta(.l4proto, _), .payload:
                guard let (field, _) = Field.loaded(by: expression) else { throw .unexpected("load \(expression)") }
                if loaded.isEmpty, let match = comparison(of: field, in: &rest) {
                    matches.append(match)
                } else {
                    loaded.append(field)
                }
            case .bitwise, .cmp:
                throw .unexpected("\(expression) without a load before it")
            }
        }
        guard let action else { throw .unexpected("rule without an action") }
        let rule = Rule(matches: matches, counter: counter, namedCounter: namedCounter, log: log, action: action, comment: comment)
        guard linearizer.expressions(rule) == expressions else {
            throw .unexpected("expressions that do not encode a rule of this agent: \(expressions)")
        }
        return rule
    }

    /// A field compared right after its load: `meta l4proto tcp`, `th dport 80`, `th dport 80-90`.
    private func comparison(of field: Field, in rest: inout ArraySlice<Expression>) -> Match? {
        switch (field, rest.first) {
        case (.l4Protocol, .cmp(.eq, _, let data)?):
            guard let proto = L4Protocol.allCases.first(where: { [$0.number] == data }) else { return nil }
            rest = rest.dropFirst()
            return .l4Protocol(proto)
        case (.destinationPort, _):
            var ahead = rest
            guard let ports = bounds(in: &ahead, after: 0), KeyCodec.port(ports.lower) <= KeyCodec.port(ports.upper) else { return nil }
            rest = ahead
            return .destinationPort(KeyCodec.port(ports.lower)...KeyCodec.port(ports.upper))
        default:
            return nil
        }
    }

    /// The value range of `cmp eq` or `cmp gte` + `cmp lte` (as `Emitter.compare` writes them), found after
    /// skipping `skipped` expressions; consumes all of them.
    private func bounds(in rest: inout ArraySlice<Expression>, after skipped: Int) -> (lower: [UInt8], upper: [UInt8])? {
        let ahead = rest.dropFirst(skipped)
        switch (ahead.first, ahead.dropFirst().first) {
        case (.cmp(.eq, _, let value)?, _):
            rest = ahead.dropFirst()
            return (value, value)
        case (.cmp(.gte, _, let low)?, .cmp(.lte, _, let high)?):
            rest = ahead.dropFirst(2)
            return (low, high)
        default:
            return nil
        }
    }
}

extension ConntrackState {
    static let known: [ConntrackState] = [.invalid, .established, .related, .new, .untracked]
}
