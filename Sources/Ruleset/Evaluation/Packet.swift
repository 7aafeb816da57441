import IPAddressing

/// What the rules of this model can see of one packet, as the forward hook sees it (after DNAT).
public struct Packet: Hashable, Sendable, CustomStringConvertible {
    public var source: IPAddress
    public var destination: IPAddress
    /// The IP protocol number (meta l4proto).
    public var l4Protocol: UInt8
    /// The transport destination port, for TCP, UDP and SCTP.
    public var destinationPort: UInt16?
    public var conntrackState: ConntrackState
    /// The conntrack label bits set on the packet's connection.
    public var conntrackLabels: Set<UInt8>

    public init(source: IPAddress, destination: IPAddress, l4Protocol: UInt8, destinationPort: UInt16?,
                conntrackState: ConntrackState = .new, conntrackLabels: Set<UInt8> = []) {
        precondition(source.family == destination.family, "a packet has one address family")
        self.source = source
        self.destination = destination
        self.l4Protocol = l4Protocol
        self.destinationPort = destinationPort
        self.conntrackState = conntrackState
        self.conntrackLabels = conntrackLabels
    }

    public var family: IPFamily { source.family }

    public var description: String {
        let proto = L4Protocol.allCases.first { $0.number == l4Protocol }?.kubernetesName ?? "protocol \(l4Protocol)"
        return "\(proto) \(source) -> \(destination)\(destinationPort.map { ":\($0)" } ?? "") (\(conntrackState.rawValue))"
    }
}

/// Where a packet's journey through the table ends.
public enum PacketVerdict: String, Hashable, Sendable {
    case accept, drop, reject
}
