import CNftables

/// Builds one netfilter netlink request: header, nfgenmsg, then attributes (nested ones get
/// NLA_F_NESTED, as the kernel's strict validation wants).
struct NetfilterRequest {
    private(set) var bytes: [UInt8]

    init(subsystem: Int32, message: UInt32, flags: Int32, family: UInt8, sequence: UInt32) {
        var header = nlmsghdr()
        header.nlmsg_type = UInt16(subsystem) << 8 | UInt16(message)
        header.nlmsg_flags = UInt16(NLM_F_REQUEST | flags)
        header.nlmsg_seq = sequence
        bytes = withUnsafeBytes(of: header) { Array($0) }
        bytes += [family, UInt8(NFNETLINK_V0), 0, 0]  // nfgenmsg: family, version, res_id
    }

    mutating func attribute(_ type: some AttributeType, _ payload: [UInt8]) { bytes += Self.encoded(type, payload) }

    /// One attribute: header, payload, padding.
    static func encoded(_ type: some AttributeType, _ payload: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt16(4 + payload.count)) { Array($0) } + withUnsafeBytes(of: UInt16(type.number)) { Array($0) }
            + payload + [UInt8](repeating: 0, count: Netlink.align(payload.count) - payload.count)
    }

    mutating func attribute(_ type: some AttributeType, u32 value: UInt32) { attribute(type, withUnsafeBytes(of: value) { Array($0) }) }

    /// An attribute copied as the kernel sent it (header included).
    mutating func raw(_ attribute: [UInt8]) { bytes += attribute }

    mutating func nested(_ type: some AttributeType, _ body: (inout NetfilterRequest) -> Void) {
        let start = bytes.count
        bytes += [0, 0, 0, 0]
        body(&self)
        let length = UInt16(bytes.count - start), tagged = UInt16(type.number) | UInt16(NLA_F_NESTED)
        withUnsafeBytes(of: length) { bytes.replaceSubrange(start..<start + 2, with: $0) }
        withUnsafeBytes(of: tagged) { bytes.replaceSubrange(start + 2..<start + 4, with: $0) }
    }

    /// The finished message, its length filled in.
    var message: [UInt8] {
        var message = bytes
        withUnsafeBytes(of: UInt32(message.count)) { message.replaceSubrange(0..<4, with: $0) }
        return message
    }
}

/// The attributes of one received message or nested attribute, by type.
struct NetlinkAttributes {
    /// NLA_TYPE_MASK: the type without NLA_F_NESTED and NLA_F_NET_BYTEORDER (a macro Swift cannot import).
    static let typeMask = 0x3fff

    private var byType: [Int: (payload: ArraySlice<UInt8>, whole: ArraySlice<UInt8>)] = [:]

    init(_ bytes: ArraySlice<UInt8>) {
        var offset = bytes.startIndex
        while offset + 4 <= bytes.endIndex {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let type = (Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8) & Self.typeMask
            guard length >= 4, offset + length <= bytes.endIndex else { return }
            byType[type] = (bytes[offset + 4..<offset + length], bytes[offset..<offset + length])
            offset += Netlink.align(length)
        }
    }

    /// The attributes of a netfilter message, after its nfgenmsg.
    init(message: NetlinkMessage) {
        let length = Int(message.header.pointee.nlmsg_len), start = MemoryLayout<nlmsghdr>.size + 4
        let bytes = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(message.header), count: length))
        self.init(bytes[min(start, length)...])
    }

    func payload(_ type: some AttributeType) -> ArraySlice<UInt8>? { byType[type.number]?.payload }
    func whole(_ type: some AttributeType) -> [UInt8]? { byType[type.number].map { Array($0.whole) } }
    func nested(_ type: some AttributeType) -> NetlinkAttributes? { payload(type).map(NetlinkAttributes.init) }

    func bigEndian16(_ type: some AttributeType) -> UInt16? {
        guard let bytes = payload(type), bytes.count == 2 else { return nil }
        return KeyCodec.port(bytes)
    }
}

/// The C enums of attribute types (ctattr_type, ctattr_ip, …), which Swift imports as distinct types.
protocol AttributeType {
    var number: Int { get }
}

extension AttributeType where Self: RawRepresentable, RawValue: BinaryInteger {
    var number: Int { Int(rawValue) }
}

extension ctattr_type: AttributeType {}
extension ctattr_tuple: AttributeType {}
extension ctattr_ip: AttributeType {}
extension ctattr_l4proto: AttributeType {}
extension ctattr_filter: AttributeType {}
extension ctattr_stats_global: AttributeType {}
