/// SCTP packets for raw sockets. The kernel has no SCTP stack here, so probes
/// hand-build the first packet of an association: common header + INIT chunk.
/// Conntrack only accepts it as a new SCTP flow if the verification tag is 0, the
/// first chunk is INIT and the CRC32c is right.
enum SCTPPacket {
    static let headerLength = 12

    /// Common header (ports, verification tag 0, checksum) and a 20-byte INIT chunk.
    static func initPacket(sourcePort: UInt16, destinationPort: UInt16, initiateTag: UInt32) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.appendBigEndian(sourcePort)
        bytes.appendBigEndian(destinationPort)
        bytes.appendBigEndian(UInt32(0))                  // verification tag: 0 only in INIT
        bytes.appendBigEndian(UInt32(0))                  // checksum, filled in below
        bytes += [1, 0]                                   // chunk type INIT, flags
        bytes.appendBigEndian(UInt16(20))                 // chunk length
        bytes.appendBigEndian(max(initiateTag, 1))        // initiate tag must be non-zero
        bytes.appendBigEndian(UInt32(65_535))             // advertised receiver window
        bytes.appendBigEndian(UInt16(1))                  // outbound streams
        bytes.appendBigEndian(UInt16(1))                  // inbound streams
        bytes.appendBigEndian(initiateTag)                // initial TSN
        let crc = CRC32c.checksum(bytes)
        // RFC 4960 appendix B: the CRC goes on the wire least significant byte first.
        for shift in stride(from: 0, to: 32, by: 8) { bytes[8 + shift / 8] = UInt8(truncatingIfNeeded: crc >> UInt32(shift)) }
        return bytes
    }

    /// Source and destination ports of an SCTP packet starting at `offset`.
    static func ports(_ bytes: ArraySlice<UInt8>) -> (source: UInt16, destination: UInt16)? {
        guard bytes.count >= headerLength else { return nil }
        let b = bytes.startIndex
        return (UInt16(bytes[b]) << 8 | UInt16(bytes[b + 1]), UInt16(bytes[b + 2]) << 8 | UInt16(bytes[b + 3]))
    }
}

/// CRC32c (Castagnoli), the SCTP checksum.
enum CRC32c {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return ~crc
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
