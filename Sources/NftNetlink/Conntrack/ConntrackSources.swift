import CNftables
import IPAddressing

/// The two addresses a revocation pass selects conntrack entries by (the initiator, and who answers),
/// read in place from a ctnetlink message. A whole-table dump parses only the entries they select:
/// `ConntrackFlow` copies every attribute, which made each entry of the namespace cost 5.7 µs.
struct ConntrackSources {
    var original: IPAddress
    var reply: IPAddress

    /// nil when the message does not hold both as the kernel writes them (the caller parses it whole).
    init?(_ message: NetlinkMessage) {
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(message.header), count: Int(message.header.pointee.nlmsg_len))
        let attributes = MemoryLayout<nlmsghdr>.size + 4 ..< bytes.count  // after the nfgenmsg
        guard let original = Self.source(bytes, attributes, tuple: CTA_TUPLE_ORIG),
              let reply = Self.source(bytes, attributes, tuple: CTA_TUPLE_REPLY) else { return nil }
        self.original = original
        self.reply = reply
    }

    /// CTA_TUPLE_IP's source address of the tuple: nested attributes as ctnetlink_dump_tuples writes them.
    private static func source(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, tuple: ctattr_type) -> IPAddress? {
        guard let tuple = attribute(bytes, in: range, tuple), let ip = attribute(bytes, in: tuple, CTA_TUPLE_IP) else { return nil }
        if let v4 = attribute(bytes, in: ip, CTA_IP_V4_SRC), v4.count == 4 {
            return .v4(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: v4.lowerBound, as: UInt32.self)))
        }
        guard let v6 = attribute(bytes, in: ip, CTA_IP_V6_SRC), v6.count == 16 else { return nil }
        let high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: v6.lowerBound, as: UInt64.self))
        let low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: v6.lowerBound + 8, as: UInt64.self))
        return .v6(UInt128(high) << 64 | UInt128(low))
    }

    /// The payload of the first attribute of `type` in `range`; nil if absent or malformed.
    private static func attribute(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>, _ type: some AttributeType) -> Range<Int>? {
        var offset = range.lowerBound
        while offset + 4 <= range.upperBound {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let kind = Int(bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)) & NetlinkAttributes.typeMask
            guard length >= 4, offset + length <= range.upperBound else { return nil }
            if kind == type.number { return offset + 4 ..< offset + length }
            offset += Netlink.align(length)
        }
        return nil
    }
}
