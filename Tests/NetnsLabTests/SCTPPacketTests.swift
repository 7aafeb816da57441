import Testing
@testable import NetnsLab

/// Pure checks of the hand-built SCTP packet; no privileges needed.
struct SCTPPacketTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32c.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func initPacketHasPortsZeroTagAndValidChecksum() {
        var packet = SCTPPacket.initPacket(sourcePort: 0x1234, destinationPort: 80, initiateTag: 7)
        #expect(packet.count == 32)
        #expect(SCTPPacket.ports(packet[...])! == (0x1234, 80))
        #expect(packet[4..<8].allSatisfy { $0 == 0 })     // verification tag
        #expect(packet[12] == 1)                          // INIT chunk
        let stored = packet[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        #expect(stored == CRC32c.checksum(packet))
    }
}
