import Ruleset

/// One nftables VM instruction, limited to what nft 1.0.6 emits for the rules of this model.
enum Expression: Hashable {
    case meta(MetaKey, dreg: UInt32)
    /// `ct load state`.
    case conntrackState(dreg: UInt32)
    /// `ct load label`: the 16-byte label bitmap.
    case conntrackLabel(dreg: UInt32)
    case payload(PayloadBase, offset: UInt32, length: UInt32, dreg: UInt32)
    /// `(sreg & mask) ^ xor` over `mask.count` bytes.
    case bitwise(sreg: UInt32, dreg: UInt32, mask: [UInt8], xor: [UInt8])
    case cmp(CmpOperator, sreg: UInt32, data: [UInt8])
    /// Host to network order; nft adds it for an l4proto inside a concatenated interval key.
    case hostToNetwork(sreg: UInt32, dreg: UInt32, length: UInt32, size: UInt32)
    /// Set lookup; a verdict map lookup writes the verdict register.
    case lookup(set: String, sreg: UInt32, isVerdictMap: Bool)
    case counter
    /// `counter name "X"`: adds to the table's counter object X.
    case counterReference(String)
    /// `limit name "X"`: ends the rule (NFT_BREAK) while the table's limit object X has no token.
    case limitReference(String)
    /// `log prefix "P" group G`: to nfnetlink_log group G.
    case log(group: UInt16, prefix: String)
    /// `reject with icmpx admin-prohibited`.
    case rejectAdminProhibited
    /// `immediate reg 0 <verdict>`.
    case verdict(Verdict)
}

extension Expression {
    /// `icmpv6 type`: the first byte of the transport header.
    static let icmpv6TypeLoad = Expression.payload(.transport, offset: 0, length: 1, dreg: Register.first)
}

enum MetaKey: Hashable { case nfproto, l4proto }

enum PayloadBase: Hashable { case network, transport }

enum CmpOperator: Hashable { case eq, neq, gte, lte }

/// Register numbering as nft does it: 4-byte slot `s` of the 64-byte register file is NFT_REG_1 + s/4
/// when it starts a 16-byte register, NFT_REG32_00 + s otherwise.
enum Register {
    static let verdict: UInt32 = 0
    static let first: UInt32 = 1

    static func forSlot(_ slot: Int) -> UInt32 {
        slot % 4 == 0 ? first + UInt32(slot / 4) : 8 + UInt32(slot)
    }
}
