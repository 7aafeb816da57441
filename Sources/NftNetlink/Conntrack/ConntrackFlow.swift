import CNftables
import IPAddressing
import Ruleset

/// One conntrack entry, as a ctnetlink dump reports it.
struct ConntrackFlow {
    var originalSource: IPAddress
    /// Where the first packet went before DNAT (a Service VIP, say).
    var originalDestination: IPAddress
    /// Who answers: the original destination after DNAT.
    var replySource: IPAddress
    var l4Protocol: UInt8
    /// The answering side's port, after DNAT: the port the policy judges.
    var replySourcePort: UInt16?
    var labels: [UInt8]
    /// CTA_TUPLE_ORIG and CTA_ZONE as received: what names the entry in an update or delete.
    var identity: [UInt8]
    /// What creates the entry again (both tuples, timeout, protocol state and the status bits a new
    /// entry may take), when it has no NAT to restore; nil otherwise.
    var recreation: [UInt8]?

    init?(_ message: NetlinkMessage) {
        let attributes = NetlinkAttributes(message: message)
        guard let original = attributes.nested(CTA_TUPLE_ORIG), let reply = attributes.nested(CTA_TUPLE_REPLY),
              let originalIP = original.nested(CTA_TUPLE_IP), let replyIP = reply.nested(CTA_TUPLE_IP),
              let source = Self.address(originalIP, v4: CTA_IP_V4_SRC, v6: CTA_IP_V6_SRC),
              let destination = Self.address(originalIP, v4: CTA_IP_V4_DST, v6: CTA_IP_V6_DST),
              let answering = Self.address(replyIP, v4: CTA_IP_V4_SRC, v6: CTA_IP_V6_SRC),
              let proto = original.nested(CTA_TUPLE_PROTO)?.payload(CTA_PROTO_NUM)?.first,
              let tuple = attributes.whole(CTA_TUPLE_ORIG)
        else { return nil }
        originalSource = source
        originalDestination = destination
        replySource = answering
        l4Protocol = proto
        replySourcePort = reply.nested(CTA_TUPLE_PROTO)?.bigEndian16(CTA_PROTO_SRC_PORT)
        labels = attributes.payload(CTA_LABELS).map(Array.init) ?? []
        identity = tuple + (attributes.whole(CTA_ZONE) ?? [])
        recreation = Self.recreation(attributes, identity: identity)
    }

    /// ctnetlink_create_conntrack (nf_conntrack_netlink.c) needs both tuples and a timeout; of the old
    /// status, a new entry can only take IPS_SEEN_REPLY and IPS_ASSURED.
    private static func recreation(_ attributes: NetlinkAttributes, identity: [UInt8]) -> [UInt8]? {
        guard let status = attributes.payload(CTA_STATUS), status.count == 4, let reply = attributes.whole(CTA_TUPLE_REPLY),
              let timeout = attributes.whole(CTA_TIMEOUT) else { return nil }
        let bits = status.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard bits & IPS_NAT_MASK.rawValue == 0 else { return nil }
        // IPS_CONFIRMED: the kernel sets it on the new entry before it applies CTA_STATUS, and refuses a change of it.
        let kept = (bits & (IPS_SEEN_REPLY.rawValue | IPS_ASSURED.rawValue) | IPS_CONFIRMED.rawValue).bigEndian
        return identity + reply + timeout + (attributes.whole(CTA_PROTOINFO) ?? [])
            + NetfilterRequest.encoded(CTA_STATUS, withUnsafeBytes(of: kept) { Array($0) })
    }

    private static func address(_ ip: NetlinkAttributes, v4: ctattr_ip, v6: ctattr_ip) -> IPAddress? {
        guard let bytes = ip.payload(v4) ?? ip.payload(v6), bytes.count == 4 || bytes.count == 16 else { return nil }
        return KeyCodec.address(bytes)
    }

    /// The connection's first packet as the forward hook judges it: after DNAT, before SNAT.
    var firstPacket: Packet {
        Packet(source: originalSource, destination: replySource, l4Protocol: l4Protocol, destinationPort: replySourcePort)
    }

    func hasLabel(_ bit: UInt8) -> Bool {
        let mask = ConntrackLabel.bitmap(bit)
        return zip(labels, mask).contains { $0 & $1 != 0 }
    }
}
