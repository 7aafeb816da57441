import CNftables
import IPAddressing
@testable import NftNetlink
import Testing

/// A whole-table revocation dump parses only the entries `ConntrackSources` selects, so it must read the
/// same addresses `ConntrackFlow` does, and give up (nil: parse the entry whole) where it cannot.
@Suite struct ConntrackSourcesTests {
    @Test(arguments: [("10.244.1.20", "10.96.0.10", "10.244.2.30"), ("fd00::1:20", "fd00:96::10", "fd00::2:30")])
    func readsTheAddressesConntrackFlowReads(client: String, service: String, server: String) throws {
        let bytes = Self.entry(tuples: [(CTA_TUPLE_ORIG, client, service), (CTA_TUPLE_REPLY, server, client)])
        try Self.withMessage(bytes) { message in
            let sources = try #require(ConntrackSources(message))
            let flow = try #require(ConntrackFlow(message))
            #expect(sources.original == flow.originalSource && sources.original == IPAddress(client))
            #expect(sources.reply == flow.replySource && sources.reply == IPAddress(server))
        }
    }

    @Test func withoutAReplyTupleItGivesUp() throws {
        try Self.withMessage(Self.entry(tuples: [(CTA_TUPLE_ORIG, "10.244.1.20", "10.244.2.30")])) { message in
            #expect(ConntrackSources(message) == nil)
        }
    }

    /// A ctnetlink entry as a dump sends it: tuples of source and destination address, and UDP.
    private static func entry(tuples: [(ctattr_type, String, String)]) -> [UInt8] {
        var request = NetfilterRequest(subsystem: NFNL_SUBSYS_CTNETLINK, message: IPCTNL_MSG_CT_NEW.rawValue, flags: 0,
                                       family: UInt8(AF_INET), sequence: 1)
        for (tuple, source, destination) in tuples {
            let (from, to) = (IPAddress(source)!, IPAddress(destination)!)
            request.nested(tuple) { tuple in
                tuple.nested(CTA_TUPLE_IP) { ip in
                    ip.attribute(from.family == .v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, from.bytes)
                    ip.attribute(to.family == .v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, to.bytes)
                }
                tuple.nested(CTA_TUPLE_PROTO) { proto in proto.attribute(CTA_PROTO_NUM, [17]) }
            }
        }
        return request.message
    }

    private static func withMessage(_ bytes: [UInt8], _ body: (NetlinkMessage) throws -> Void) throws {
        try bytes.withUnsafeBytes { raw in
            try body(NetlinkMessage(header: raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)))
        }
    }
}
