import CNftables

/// Checks a dump reply against its `ReplyShape` before libnftnl parses it, walking attributes as libmnl
/// does (`mnl_attr_ok`, src/attr.c): an attribute is at least its 4-byte header and within its parent,
/// the next starts 4-byte aligned after it, and a malformed tail ends the walk as it ends libmnl's.
enum ReplyCheck {
    static func check(_ header: UnsafePointer<nlmsghdr>, as shape: ReplyShape.Message) throws(WireDecodingError) {
        let length = Int(header.pointee.nlmsg_len)
        let prefix = MemoryLayout<nlmsghdr>.size + MemoryLayout<nfgenmsg>.size
        guard length >= prefix else { throw .unexpected("netlink reply of \(length) bytes") }
        try fields(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(start: header, count: length)[prefix...]), shape)
    }

    /// An attribute outside `shape` is ignored, as libnftnl ignores it, unless `refused` names it a fault.
    private static func fields(_ area: UnsafeRawBufferPointer, _ shape: [UInt16: AttributeShape],
                               refused: ((UInt16) -> String)? = nil) throws(WireDecodingError) {
        try forEach(in: area) { (type, payload) throws(WireDecodingError) in
            if let field = shape[type] {
                try check(payload, field, type: type)
            } else if let refused {
                throw .unexpected(refused(type))
            }
        }
    }

    private static func check(_ payload: UnsafeRawBufferPointer, _ shape: AttributeShape, type: UInt16) throws(WireDecodingError) {
        func size(_ expected: Int) throws(WireDecodingError) {
            guard payload.count == expected else {
                throw .unexpected("netlink attribute \(type) of \(payload.count) bytes instead of \(expected)")
            }
        }
        switch shape.kind {
        case .u8: try size(1)
        case .u16: try size(2)
        case .u32: try size(4)
        case .u64: try size(8)
        case .binary: break
        case .string:
            guard payload.contains(0) else { throw .unexpected("netlink attribute \(type): string without a NUL") }
        case .nested:
            try nested(payload, type: type)
            try fields(payload, shape.fields, refused: shape.closed ? { "netlink attribute \(type): unexpected attribute \($0)" } : nil)
        case .list:
            try nested(payload, type: type)
            try fields(payload, shape.fields) { "netlink attribute \(type): list entry of type \($0)" }
        case .expression:
            try nested(payload, type: type)
            try expression(payload)
        case .verdict:
            try nested(payload, type: type)
            try verdict(payload)
        case .concatenation:
            var fields = 0
            try forEach(in: payload) { (_, entry) throws(WireDecodingError) in
                try forEach(in: entry) { (fieldType, value) throws(WireDecodingError) in
                    guard fieldType == UInt16(NFTA_SET_FIELD_LEN.rawValue) else { return }
                    try check(value, .u32, type: fieldType)
                    fields += 1
                }
            }
            // NFT_REG32_COUNT, a macro Swift does not import.
            guard fields <= Int(NFT_REG32_15.rawValue - NFT_REG32_00.rawValue + 1) else { throw .unexpected("set key of \(fields) concatenated fields") }
        }
    }

    /// libnftnl reads the name, allocates the expression by it, then parses the data by its kind.
    private static func expression(_ payload: UnsafeRawBufferPointer) throws(WireDecodingError) {
        var name: String?, data: [UnsafeRawBufferPointer] = []
        try forEach(in: payload) { (type, value) throws(WireDecodingError) in
            switch type {
            case UInt16(NFTA_EXPR_NAME.rawValue):
                try check(value, .string, type: type)
                name = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
            case UInt16(NFTA_EXPR_DATA.rawValue):
                try nested(value, type: type)
                data.append(value)
            default: break
            }
        }
        guard let name, let shape = ReplyShape.expressions[name] else {
            throw .unexpected("expression \(name.map { "\"\($0)\"" } ?? "without a name")")
        }
        for value in data { try check(value, shape, type: UInt16(NFTA_EXPR_DATA.rawValue)) }
    }

    private static func verdict(_ payload: UnsafeRawBufferPointer) throws(WireDecodingError) {
        var code: Int32?, hasChain = false
        try forEach(in: payload) { (type, value) throws(WireDecodingError) in
            switch type {
            case UInt16(NFTA_VERDICT_CODE.rawValue):
                try check(value, .u32, type: type)
                code = Int32(bitPattern: UInt32(bigEndian: value.loadUnaligned(as: UInt32.self)))
            case UInt16(NFTA_VERDICT_CHAIN.rawValue):
                try check(value, .string, type: type)
                hasChain = true
            case UInt16(NFTA_VERDICT_CHAIN_ID.rawValue):
                try check(value, .u32, type: type)
            default: break
            }
        }
        guard let code else { throw .unexpected("verdict without a code") }
        if code == NFT_JUMP.rawValue || code == NFT_GOTO.rawValue, !hasChain { throw .unexpected("jump or goto without a chain") }
    }

    /// MNL_TYPE_NESTED: empty, or room for at least one attribute header.
    private static func nested(_ payload: UnsafeRawBufferPointer, type: UInt16) throws(WireDecodingError) {
        guard payload.isEmpty || payload.count >= 4 else { throw .unexpected("netlink attribute \(type) of \(payload.count) bytes") }
    }

    private static func forEach(in area: UnsafeRawBufferPointer,
                                _ body: (_ type: UInt16, _ payload: UnsafeRawBufferPointer) throws(WireDecodingError) -> Void) throws(WireDecodingError) {
        var offset = 0
        while area.count - offset >= 4 {
            let length = Int(area.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            guard length >= 4, length <= area.count - offset else { return }
            let type = area.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
            try body(type, UnsafeRawBufferPointer(rebasing: area[(offset + 4)..<(offset + length)]))
            offset += Netlink.align(length)
        }
    }
}
