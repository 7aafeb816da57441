import IPAddressing

/// A packet field a rule can test or use as a set key.
public enum Field: Hashable, Sendable {
    case sourceAddress(IPFamily)
    case destinationAddress(IPFamily)
    /// The layer 4 protocol number (meta l4proto), whatever the network family.
    case l4Protocol
    /// The destination port of TCP, UDP or SCTP (th dport); only meaningful after an l4Protocol match.
    case destinationPort

    public var dataType: DataType {
        switch self {
        case .sourceAddress(let family), .destinationAddress(let family):
            return family == .v4 ? .ipv4Address : .ipv6Address
        case .l4Protocol: return .inetProtocol
        case .destinationPort: return .inetService
        }
    }
}

public enum ConntrackState: String, Hashable, Sendable, Comparable {
    case invalid, established, related, new, untracked

    public static func < (lhs: ConntrackState, rhs: ConntrackState) -> Bool { lhs.bit < rhs.bit }

    /// The kernel's ct state bit (NF_CT_STATE_BIT), used by the netlink renderer.
    public var bit: UInt32 {
        switch self {
        case .invalid: return 1
        case .established: return 2
        case .related: return 4
        case .new: return 8
        case .untracked: return 64
        }
    }
}

/// One test in a rule; a rule matches when all its matches do.
public enum Match: Hashable, Sendable {
    case conntrackState(Set<ConntrackState>)
    case l4Protocol(L4Protocol)
    /// Destination port within an inclusive range (a single port when lower == upper).
    case destinationPort(ClosedRange<UInt16>)
    /// The concatenation of `fields` is an element of the named set.
    case inSet(fields: [Field], set: String)
    /// The packet's connection carries conntrack label `bit` (0..<128): `ct label <bit>`.
    case conntrackLabel(bit: UInt8)
    /// An ICMPv6 packet whose type lies in an inclusive range; implies IPv6 (`icmpv6 type 133-137`).
    case icmpv6Type(ClosedRange<UInt8>)
}

/// The width of the kernel's conntrack label bitmap (NF_CT_LABELS_MAX_SIZE, 16 bytes).
public enum ConntrackLabel {
    public static let bitCount = 128

    /// The bitmap with only `bit` set, in the kernel's layout: an array of host-order longs, so on a
    /// little-endian host bit n is bit n % 8 of byte n / 8.
    public static func bitmap(_ bit: UInt8) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: bitCount / 8)
        bytes[Int(bit) / 8] = 1 << (bit % 8)
        return bytes
    }
}

/// ICMPv6 types the agent names (RFC 4443, RFC 4861).
public enum ICMPv6 {
    /// The IP protocol number of ICMPv6.
    public static let protocolNumber: UInt8 = 58
    /// Router solicitation (133) through redirect (137): the whole of neighbour discovery. It never
    /// leaves the link, and conntrack gives it no connection (linux net/netfilter/nf_conntrack_proto_icmpv6.c:
    /// only the types in `valid_new[]`, echo and node information requests, start one).
    public static let neighbourDiscovery: ClosedRange<UInt8> = 133...137
}


public enum Verdict: Hashable, Sendable {
    case accept
    case drop
    /// Back to the calling chain: the traffic passed this chain's checks.
    case `return`
    case jump(String)
    case goto(String)
}

public enum Action: Hashable, Sendable {
    case verdict(Verdict)
    /// Reject with ICMP(v6) administratively prohibited (TCP included), so clients fail fast.
    case reject
    /// Look the concatenation of `fields` up in a verdict map; no element means the next rule runs.
    case verdictMap(fields: [Field], map: String)
}
