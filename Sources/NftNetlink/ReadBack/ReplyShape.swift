import CNftables

/// What libnftnl 1.2.4 reads of a dump reply, and the sizes it takes for granted. libnftnl trusts the
/// kernel: an attribute of another size makes it exit the process (`abi_breakage()`, src/utils.c), an
/// expression without a name is dereferenced as NULL (`nftnl_expr_parse`, src/expr.c), strings are
/// strdup()ed up to the next NUL wherever that is, a verdict's attributes are read from an uninitialised
/// array, so a missing one is a wild pointer (`nftnl_parse_verdict`, src/expr/data_reg.c), and a 17th
/// concatenation field is written past `desc.field_len` (src/set.c); a set element attribute numbered
/// above NFTA_SET_ELEM_MAX is written past the stack array of `nftnl_set_elems_parse2`, whose callback
/// checks types against NFTA_SET_MAX instead (src/set_elem.c, still so in 1.3.1). So `TableDump` checks each reply
/// against these shapes first, and refuses one that does not fit as something this agent never wrote.
/// Attributes outside a shape are ones libnftnl does not read.
///
/// A struct rather than an indirect enum: LeakSanitizer cannot follow the tagged pointers of enum
/// payloads, and would report these shapes, held by statics, as leaked.
struct AttributeShape: Sendable {
    enum Kind: Sendable {
        case u8, u16, u32, u64
        /// Non-empty and NUL-terminated.
        case string
        case binary
        /// Attributes of the shapes in `fields`; with `closed`, no others.
        case nested
        /// Nested entries, each of type 1 (NFTA_LIST_ELEM, NFTA_DEVICE_NAME) and of the shape `fields[1]`.
        case list
        /// An expression (src/expr.c) of a kind this agent writes, whose data has that kind's shape.
        case expression
        /// NFTA_DATA_VERDICT: a code, and a chain for a jump or goto.
        case verdict
        /// NFTA_SET_DESC_CONCAT: list entries holding at most 16 (NFT_REG32_COUNT) NFTA_SET_FIELD_LEN in all.
        case concatenation
    }

    let kind: Kind
    let fields: [UInt16: AttributeShape]
    var closed = false

    static let u8 = AttributeShape(kind: .u8, fields: [:])
    static let u16 = AttributeShape(kind: .u16, fields: [:])
    static let u32 = AttributeShape(kind: .u32, fields: [:])
    static let u64 = AttributeShape(kind: .u64, fields: [:])
    static let string = AttributeShape(kind: .string, fields: [:])
    static let binary = AttributeShape(kind: .binary, fields: [:])
    static let expression = AttributeShape(kind: .expression, fields: [:])
    static let verdict = AttributeShape(kind: .verdict, fields: [:])
    static let concatenation = AttributeShape(kind: .concatenation, fields: [:])
    static func nested(_ fields: [UInt16: AttributeShape], closed: Bool = false) -> AttributeShape {
        AttributeShape(kind: .nested, fields: fields, closed: closed)
    }
    static func list(_ entry: AttributeShape) -> AttributeShape { AttributeShape(kind: .list, fields: [1: entry]) }
}

enum ReplyShape {
    /// The attributes of a GETTABLE, GETCHAIN, … reply message, after its nfgenmsg.
    typealias Message = [UInt16: AttributeShape]

    static let table: Message = [
        key(NFTA_TABLE_NAME): .string, key(NFTA_TABLE_FLAGS): .u32, key(NFTA_TABLE_USE): .u32, key(NFTA_TABLE_HANDLE): .u64,
        key(NFTA_TABLE_USERDATA): .binary, key(NFTA_TABLE_OWNER): .u32,
    ]

    static let chain: Message = [
        key(NFTA_CHAIN_TABLE): .string, key(NFTA_CHAIN_HANDLE): .u64, key(NFTA_CHAIN_NAME): .string,
        key(NFTA_CHAIN_HOOK): .nested([key(NFTA_HOOK_HOOKNUM): .u32, key(NFTA_HOOK_PRIORITY): .u32, key(NFTA_HOOK_DEV): .string,
                                       key(NFTA_HOOK_DEVS): .list(.string)]),
        key(NFTA_CHAIN_POLICY): .u32, key(NFTA_CHAIN_USE): .u32, key(NFTA_CHAIN_TYPE): .string, key(NFTA_CHAIN_COUNTERS): counters,
        key(NFTA_CHAIN_FLAGS): .u32, key(NFTA_CHAIN_ID): .u32, key(NFTA_CHAIN_USERDATA): .binary,
    ]

    static let set: Message = [
        key(NFTA_SET_TABLE): .string, key(NFTA_SET_NAME): .string, key(NFTA_SET_FLAGS): .u32, key(NFTA_SET_KEY_TYPE): .u32,
        key(NFTA_SET_KEY_LEN): .u32, key(NFTA_SET_DATA_TYPE): .u32, key(NFTA_SET_DATA_LEN): .u32, key(NFTA_SET_POLICY): .u32,
        key(NFTA_SET_DESC): .nested([key(NFTA_SET_DESC_SIZE): .u32,
                                     key(NFTA_SET_DESC_CONCAT): .concatenation]),
        key(NFTA_SET_ID): .u32, key(NFTA_SET_TIMEOUT): .u64, key(NFTA_SET_GC_INTERVAL): .u32, key(NFTA_SET_USERDATA): .binary,
        key(NFTA_SET_HANDLE): .u64, key(NFTA_SET_OBJ_TYPE): .u32, key(NFTA_SET_EXPR): .expression,
        key(NFTA_SET_EXPRESSIONS): .list(.expression),
    ]

    static let setElements: Message = [
        key(NFTA_SET_ELEM_LIST_TABLE): .string, key(NFTA_SET_ELEM_LIST_SET): .string, key(NFTA_SET_ELEM_LIST_SET_ID): .u32,
        key(NFTA_SET_ELEM_LIST_ELEMENTS): .list(.nested([
            key(NFTA_SET_ELEM_KEY): data, key(NFTA_SET_ELEM_KEY_END): data, key(NFTA_SET_ELEM_DATA): data,
            key(NFTA_SET_ELEM_FLAGS): .u32, key(NFTA_SET_ELEM_TIMEOUT): .u64, key(NFTA_SET_ELEM_EXPIRATION): .u64,
            key(NFTA_SET_ELEM_USERDATA): .binary, key(NFTA_SET_ELEM_EXPR): .expression,
            key(NFTA_SET_ELEM_EXPRESSIONS): .list(.expression), key(NFTA_SET_ELEM_OBJREF): .string,
            key(NFTA_SET_ELEM_PAD): .binary,
        ], closed: true)),
    ]

    static let rule: Message = [
        key(NFTA_RULE_TABLE): .string, key(NFTA_RULE_CHAIN): .string, key(NFTA_RULE_HANDLE): .u64,
        key(NFTA_RULE_EXPRESSIONS): .list(.expression),
        key(NFTA_RULE_COMPAT): .nested([key(NFTA_RULE_COMPAT_PROTO): .u32, key(NFTA_RULE_COMPAT_FLAGS): .u32]),
        key(NFTA_RULE_POSITION): .u64, key(NFTA_RULE_USERDATA): .binary, key(NFTA_RULE_ID): .u32, key(NFTA_RULE_POSITION_ID): .u32,
    ]

    /// Stateful objects: counters and limits (src/obj/counter.c, src/obj/limit.c), the types the agent creates.
    /// Their attribute numbers overlap with the same sizes, so one shape reads both.
    static let object: Message = [
        key(NFTA_OBJ_TABLE): .string, key(NFTA_OBJ_NAME): .string, key(NFTA_OBJ_TYPE): .u32, key(NFTA_OBJ_DATA): objectData,
        key(NFTA_OBJ_USE): .u32, key(NFTA_OBJ_HANDLE): .u64, key(NFTA_OBJ_USERDATA): .binary,
    ]

    /// The data of each expression this agent writes (src/expr/*.c), by name.
    static let expressions: [String: AttributeShape] = [
        "meta": .nested([key(NFTA_META_DREG): .u32, key(NFTA_META_KEY): .u32, key(NFTA_META_SREG): .u32]),
        "ct": .nested([key(NFTA_CT_DREG): .u32, key(NFTA_CT_KEY): .u32, key(NFTA_CT_DIRECTION): .u8, key(NFTA_CT_SREG): .u32]),
        "payload": .nested([key(NFTA_PAYLOAD_DREG): .u32, key(NFTA_PAYLOAD_BASE): .u32, key(NFTA_PAYLOAD_OFFSET): .u32,
                            key(NFTA_PAYLOAD_LEN): .u32, key(NFTA_PAYLOAD_SREG): .u32, key(NFTA_PAYLOAD_CSUM_TYPE): .u32,
                            key(NFTA_PAYLOAD_CSUM_OFFSET): .u32, key(NFTA_PAYLOAD_CSUM_FLAGS): .u32]),
        "bitwise": .nested([key(NFTA_BITWISE_SREG): .u32, key(NFTA_BITWISE_DREG): .u32, key(NFTA_BITWISE_LEN): .u32,
                            key(NFTA_BITWISE_MASK): data, key(NFTA_BITWISE_XOR): data, key(NFTA_BITWISE_OP): .u32,
                            key(NFTA_BITWISE_DATA): data]),
        "cmp": .nested([key(NFTA_CMP_SREG): .u32, key(NFTA_CMP_OP): .u32, key(NFTA_CMP_DATA): data]),
        "byteorder": .nested([key(NFTA_BYTEORDER_SREG): .u32, key(NFTA_BYTEORDER_DREG): .u32, key(NFTA_BYTEORDER_OP): .u32,
                              key(NFTA_BYTEORDER_LEN): .u32, key(NFTA_BYTEORDER_SIZE): .u32]),
        "lookup": .nested([key(NFTA_LOOKUP_SET): .string, key(NFTA_LOOKUP_SREG): .u32, key(NFTA_LOOKUP_DREG): .u32,
                           key(NFTA_LOOKUP_SET_ID): .u32, key(NFTA_LOOKUP_FLAGS): .u32]),
        "counter": counters,
        "objref": .nested([key(NFTA_OBJREF_IMM_TYPE): .u32, key(NFTA_OBJREF_IMM_NAME): .string, key(NFTA_OBJREF_SET_SREG): .u32,
                           key(NFTA_OBJREF_SET_NAME): .string, key(NFTA_OBJREF_SET_ID): .u32]),
        // libnftnl src/expr/log.c reads the group and queue threshold as u16.
        "log": .nested([key(NFTA_LOG_GROUP): .u16, key(NFTA_LOG_PREFIX): .string, key(NFTA_LOG_SNAPLEN): .u32,
                        key(NFTA_LOG_QTHRESHOLD): .u16, key(NFTA_LOG_LEVEL): .u32, key(NFTA_LOG_FLAGS): .u32]),
        "reject": .nested([key(NFTA_REJECT_TYPE): .u32, key(NFTA_REJECT_ICMP_CODE): .u8]),
        "immediate": .nested([key(NFTA_IMMEDIATE_DREG): .u32, key(NFTA_IMMEDIATE_DATA): data]),
    ]

    /// A key, value or verdict (src/expr/data_reg.c).
    private static let data: AttributeShape = .nested([
        key(NFTA_DATA_VALUE): .binary,
        key(NFTA_DATA_VERDICT): .verdict,
    ])

    private static let counters: AttributeShape = .nested([key(NFTA_COUNTER_BYTES): .u64, key(NFTA_COUNTER_PACKETS): .u64])

    /// NFTA_COUNTER_BYTES and NFTA_LIMIT_RATE are both 1 (u64), NFTA_COUNTER_PACKETS and NFTA_LIMIT_UNIT both 2 (u64).
    private static let objectData: AttributeShape = .nested([
        key(NFTA_LIMIT_RATE): .u64, key(NFTA_LIMIT_UNIT): .u64, key(NFTA_LIMIT_BURST): .u32, key(NFTA_LIMIT_TYPE): .u32,
        key(NFTA_LIMIT_FLAGS): .u32,
    ])

    private static func key<Attribute: RawRepresentable>(_ attribute: Attribute) -> UInt16 where Attribute.RawValue == UInt32 {
        UInt16(attribute.rawValue)
    }
}
