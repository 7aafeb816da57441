import IPAddressing

/// One packet an nftables `log group` statement sent to nfnetlink_log: its prefix and the addresses,
/// protocol and ports read from the copied network and transport headers.
public struct LoggedPacket: Hashable, Sendable {
    public var prefix: String
    public var source: IPAddress
    public var destination: IPAddress
    /// The IP protocol number (TCP 6, UDP 17, SCTP 132, …).
    public var protocolNumber: UInt8
    /// TCP, UDP and SCTP only, when the copy reaches them.
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(prefix: String, source: IPAddress, destination: IPAddress, protocolNumber: UInt8, sourcePort: UInt16? = nil,
                destinationPort: UInt16? = nil) {
        self.prefix = prefix
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// Bytes of the packet the reader asks the kernel to copy: an IPv6 header (40) and the first 8 bytes
    /// of a transport header, which hold both ports of TCP, UDP and SCTP; an IPv4 header with options is
    /// at most 60 bytes.
    public static let copyRange: UInt32 = 68

    /// Reads an IPv4 or IPv6 packet from its network header; nil when too short for its addresses.
    /// IPv6 extension headers are not followed: such a packet is reported without ports.
    init?(prefix: String, payload: UnsafeRawBufferPointer) {
        guard let first = payload.first else { return nil }
        var transport: Int?
        switch first >> 4 {
        case 4:
            guard payload.count >= 20 else { return nil }
            source = .v4(Self.u32(payload, 12))
            destination = .v4(Self.u32(payload, 16))
            protocolNumber = payload[9]
            // A later fragment carries no transport header.
            let fragmentOffset = (UInt16(payload[6]) << 8 | UInt16(payload[7])) & 0x1fff
            if fragmentOffset == 0 { transport = Int(first & 0x0f) * 4 }
        case 6:
            guard payload.count >= 40 else { return nil }
            source = .v6(Self.u128(payload, 8))
            destination = .v6(Self.u128(payload, 24))
            protocolNumber = payload[6]
            transport = 40
        default:
            return nil
        }
        self.prefix = prefix
        let hasPorts = L4Protocol.allCases.contains { $0.number == protocolNumber }
        if hasPorts, let transport, payload.count >= transport + 4 {
            sourcePort = UInt16(payload[transport]) << 8 | UInt16(payload[transport + 1])
            destinationPort = UInt16(payload[transport + 2]) << 8 | UInt16(payload[transport + 3])
        }
    }

    private static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    private static func u128(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt128 {
        (0..<16).reduce(0) { $0 << 8 | UInt128(bytes[offset + $1]) }
    }
}
