import CNftables
import Ruleset

/// Expressions ↔ libnftnl expression objects.
extension Expression {
    /// A new libnftnl expression; the rule it is added to owns it.
    func nftnl() -> NftnlAttributes {
        switch self {
        case .meta(let key, let dreg):
            let meta = NftnlAttributes.expression("meta")
            meta.set(NFTNL_EXPR_META_KEY, u32: key.uapi)
            meta.set(NFTNL_EXPR_META_DREG, u32: dreg)
            return meta
        case .conntrackState(let dreg):
            let ct = NftnlAttributes.expression("ct")
            ct.set(NFTNL_EXPR_CT_KEY, u32: NFT_CT_STATE.rawValue)
            ct.set(NFTNL_EXPR_CT_DREG, u32: dreg)
            return ct
        case .conntrackLabel(let dreg):
            let ct = NftnlAttributes.expression("ct")
            ct.set(NFTNL_EXPR_CT_KEY, u32: NFT_CT_LABELS.rawValue)
            ct.set(NFTNL_EXPR_CT_DREG, u32: dreg)
            return ct
        case .payload(let base, let offset, let length, let dreg):
            let payload = NftnlAttributes.expression("payload")
            payload.set(NFTNL_EXPR_PAYLOAD_BASE, u32: base.uapi)
            payload.set(NFTNL_EXPR_PAYLOAD_OFFSET, u32: offset)
            payload.set(NFTNL_EXPR_PAYLOAD_LEN, u32: length)
            payload.set(NFTNL_EXPR_PAYLOAD_DREG, u32: dreg)
            return payload
        case .bitwise(let sreg, let dreg, let mask, let xor):
            let bitwise = NftnlAttributes.expression("bitwise")
            bitwise.set(NFTNL_EXPR_BITWISE_SREG, u32: sreg)
            bitwise.set(NFTNL_EXPR_BITWISE_DREG, u32: dreg)
            bitwise.set(NFTNL_EXPR_BITWISE_LEN, u32: UInt32(mask.count))
            bitwise.set(NFTNL_EXPR_BITWISE_MASK, mask)
            bitwise.set(NFTNL_EXPR_BITWISE_XOR, xor)
            return bitwise
        case .cmp(let op, let sreg, let data):
            let cmp = NftnlAttributes.expression("cmp")
            cmp.set(NFTNL_EXPR_CMP_SREG, u32: sreg)
            cmp.set(NFTNL_EXPR_CMP_OP, u32: op.uapi)
            cmp.set(NFTNL_EXPR_CMP_DATA, data)
            return cmp
        case .hostToNetwork(let sreg, let dreg, let length, let size):
            let byteorder = NftnlAttributes.expression("byteorder")
            byteorder.set(NFTNL_EXPR_BYTEORDER_SREG, u32: sreg)
            byteorder.set(NFTNL_EXPR_BYTEORDER_DREG, u32: dreg)
            byteorder.set(NFTNL_EXPR_BYTEORDER_OP, u32: NFT_BYTEORDER_HTON.rawValue)
            byteorder.set(NFTNL_EXPR_BYTEORDER_LEN, u32: length)
            byteorder.set(NFTNL_EXPR_BYTEORDER_SIZE, u32: size)
            return byteorder
        case .lookup(let set, let sreg, let isVerdictMap):
            let lookup = NftnlAttributes.expression("lookup")
            lookup.set(NFTNL_EXPR_LOOKUP_SREG, u32: sreg)
            lookup.set(NFTNL_EXPR_LOOKUP_SET, string: set)
            if isVerdictMap { lookup.set(NFTNL_EXPR_LOOKUP_DREG, u32: Register.verdict) }
            return lookup
        case .counter:
            return NftnlAttributes.expression("counter")
        case .counterReference(let name):
            let objref = NftnlAttributes.expression("objref")
            objref.set(NFTNL_EXPR_OBJREF_IMM_TYPE, u32: UInt32(NFT_OBJECT_COUNTER))
            objref.set(NFTNL_EXPR_OBJREF_IMM_NAME, string: name)
            return objref
        case .limitReference(let name):
            let objref = NftnlAttributes.expression("objref")
            objref.set(NFTNL_EXPR_OBJREF_IMM_TYPE, u32: UInt32(NFT_OBJECT_LIMIT))
            objref.set(NFTNL_EXPR_OBJREF_IMM_NAME, string: name)
            return objref
        case .log(let group, let prefix):
            // As nft 1.0.6 sends `log prefix P group G`: no snaplen (the reader sets the copy range), no qthreshold.
            let log = NftnlAttributes.expression("log")
            log.set(NFTNL_EXPR_LOG_PREFIX, string: prefix)
            log.set(NFTNL_EXPR_LOG_GROUP, u16: group)
            return log
        case .rejectAdminProhibited:
            let reject = NftnlAttributes.expression("reject")
            reject.set(NFTNL_EXPR_REJECT_TYPE, u32: UInt32(NFT_REJECT_ICMPX_UNREACH.rawValue))
            reject.set(NFTNL_EXPR_REJECT_CODE, u8: UInt8(NFT_REJECT_ICMPX_ADMIN_PROHIBITED.rawValue))
            return reject
        case .verdict(let verdict):
            let immediate = NftnlAttributes.expression("immediate")
            immediate.set(NFTNL_EXPR_IMM_DREG, u32: Register.verdict)
            immediate.set(NFTNL_EXPR_IMM_VERDICT, i32: verdict.code)
            if let chain = verdict.chainName { immediate.set(NFTNL_EXPR_IMM_CHAIN, string: chain) }
            return immediate
        }
    }

    /// Reads an expression from a dumped rule; anything this agent never writes is an error.
    init(nftnl expression: NftnlAttributes) throws(WireDecodingError) {
        let name = expression.string(NFTNL_EXPR_NAME) ?? "?"
        let unexpected = WireDecodingError.unexpected("expression \(name) with attributes this agent never writes")
        func u32(_ attribute: Int) throws(WireDecodingError) -> UInt32 {
            guard let value = expression.u32(attribute) else { throw unexpected }
            return value
        }
        func data(_ attribute: Int) throws(WireDecodingError) -> [UInt8] {
            guard let value = expression.bytes(attribute) else { throw unexpected }
            return value
        }
        switch name {
        case "meta":
            guard let key = MetaKey(uapi: try u32(NFTNL_EXPR_META_KEY)) else { throw unexpected }
            self = .meta(key, dreg: try u32(NFTNL_EXPR_META_DREG))
        case "ct":
            // A ct expression with a direction or a source register (ct set) is not ours.
            guard expression.u8(NFTNL_EXPR_CT_DIR) == nil, expression.u32(NFTNL_EXPR_CT_SREG) == nil else { throw unexpected }
            switch try u32(NFTNL_EXPR_CT_KEY) {
            case NFT_CT_STATE.rawValue: self = .conntrackState(dreg: try u32(NFTNL_EXPR_CT_DREG))
            case NFT_CT_LABELS.rawValue: self = .conntrackLabel(dreg: try u32(NFTNL_EXPR_CT_DREG))
            default: throw unexpected
            }
        case "payload":
            guard let base = PayloadBase(uapi: try u32(NFTNL_EXPR_PAYLOAD_BASE)) else { throw unexpected }
            self = .payload(base, offset: try u32(NFTNL_EXPR_PAYLOAD_OFFSET), length: try u32(NFTNL_EXPR_PAYLOAD_LEN),
                            dreg: try u32(NFTNL_EXPR_PAYLOAD_DREG))
        case "bitwise":
            guard (expression.u32(NFTNL_EXPR_BITWISE_OP) ?? 0) == NFT_BITWISE_MASK_XOR.rawValue else { throw unexpected }
            self = .bitwise(sreg: try u32(NFTNL_EXPR_BITWISE_SREG), dreg: try u32(NFTNL_EXPR_BITWISE_DREG),
                            mask: try data(NFTNL_EXPR_BITWISE_MASK), xor: try data(NFTNL_EXPR_BITWISE_XOR))
        case "cmp":
            guard let op = CmpOperator(uapi: try u32(NFTNL_EXPR_CMP_OP)) else { throw unexpected }
            self = .cmp(op, sreg: try u32(NFTNL_EXPR_CMP_SREG), data: try data(NFTNL_EXPR_CMP_DATA))
        case "byteorder":
            guard try u32(NFTNL_EXPR_BYTEORDER_OP) == NFT_BYTEORDER_HTON.rawValue else { throw unexpected }
            self = .hostToNetwork(sreg: try u32(NFTNL_EXPR_BYTEORDER_SREG), dreg: try u32(NFTNL_EXPR_BYTEORDER_DREG),
                                  length: try u32(NFTNL_EXPR_BYTEORDER_LEN), size: try u32(NFTNL_EXPR_BYTEORDER_SIZE))
        case "lookup":
            // The kernel reports flags 0 even when none were sent; an inverted lookup is not ours.
            guard (expression.u32(NFTNL_EXPR_LOOKUP_FLAGS) ?? 0) == 0, let set = expression.string(NFTNL_EXPR_LOOKUP_SET)
            else { throw unexpected }
            let dreg = expression.u32(NFTNL_EXPR_LOOKUP_DREG)
            guard dreg == nil || dreg == Register.verdict else { throw unexpected }
            self = .lookup(set: set, sreg: try u32(NFTNL_EXPR_LOOKUP_SREG), isVerdictMap: dreg != nil)
        case "counter":
            self = .counter
        case "objref":
            // Objects picked by a set lookup (objref maps) are not ours.
            guard let name = expression.string(NFTNL_EXPR_OBJREF_IMM_NAME) else { throw unexpected }
            switch try u32(NFTNL_EXPR_OBJREF_IMM_TYPE) {
            case UInt32(NFT_OBJECT_COUNTER): self = .counterReference(name)
            case UInt32(NFT_OBJECT_LIMIT): self = .limitReference(name)
            default: throw unexpected
            }
        case "log":
            // A log to the kernel log (level, flags), a snaplen or a queue threshold is not ours.
            guard let group = expression.u16(NFTNL_EXPR_LOG_GROUP), let prefix = expression.string(NFTNL_EXPR_LOG_PREFIX),
                  expression.u32(NFTNL_EXPR_LOG_SNAPLEN) ?? 0 == 0, expression.u16(NFTNL_EXPR_LOG_QTHRESHOLD) ?? 0 == 0
            else { throw unexpected }
            self = .log(group: group, prefix: prefix)
        case "reject":
            guard try u32(NFTNL_EXPR_REJECT_TYPE) == NFT_REJECT_ICMPX_UNREACH.rawValue,
                  expression.u8(NFTNL_EXPR_REJECT_CODE) == UInt8(NFT_REJECT_ICMPX_ADMIN_PROHIBITED.rawValue)
            else { throw unexpected }
            self = .rejectAdminProhibited
        case "immediate":
            guard try u32(NFTNL_EXPR_IMM_DREG) == Register.verdict, let code = expression.i32(NFTNL_EXPR_IMM_VERDICT)
            else { throw unexpected }
            self = .verdict(try Verdict(code: code, chain: expression.string(NFTNL_EXPR_IMM_CHAIN)))
        default:
            throw unexpected
        }
    }
}

extension MetaKey {
    var uapi: UInt32 { self == .nfproto ? NFT_META_NFPROTO.rawValue : NFT_META_L4PROTO.rawValue }

    init?(uapi: UInt32) {
        switch uapi {
        case NFT_META_NFPROTO.rawValue: self = .nfproto
        case NFT_META_L4PROTO.rawValue: self = .l4proto
        default: return nil
        }
    }
}

extension PayloadBase {
    var uapi: UInt32 { self == .network ? NFT_PAYLOAD_NETWORK_HEADER.rawValue : NFT_PAYLOAD_TRANSPORT_HEADER.rawValue }

    init?(uapi: UInt32) {
        switch uapi {
        case NFT_PAYLOAD_NETWORK_HEADER.rawValue: self = .network
        case NFT_PAYLOAD_TRANSPORT_HEADER.rawValue: self = .transport
        default: return nil
        }
    }
}

extension CmpOperator {
    private static let pairs: [(CmpOperator, UInt32)] = [
        (.eq, NFT_CMP_EQ.rawValue), (.neq, NFT_CMP_NEQ.rawValue), (.gte, NFT_CMP_GTE.rawValue), (.lte, NFT_CMP_LTE.rawValue),
    ]

    var uapi: UInt32 { Self.pairs.first { $0.0 == self }!.1 }

    init?(uapi: UInt32) {
        guard let pair = Self.pairs.first(where: { $0.1 == uapi }) else { return nil }
        self = pair.0
    }
}
