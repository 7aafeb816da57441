import Glibc
import IPAddressing
@testable import NftNetlink
import Ruleset

/// Sends single TCP SYN or UDP packets between addresses of a scratch namespace's loopback and reports
/// whether its output hook let each one out: a packet the rules drop or reject fails sendto with EPERM
/// (NF_DROP's default errno), synchronously. Raw sockets, so any source port gives a new connection.
final class ProbePacket {
    private var sockets: [Int32: Int32] = [:]  // by family * 1000 + protocol
    private let namespace: String

    init(namespace: String) {
        self.namespace = namespace
    }

    deinit { sockets.values.forEach { close($0) } }

    /// True when the kernel let the packet out.
    func passes(from source: IPAddress, to destination: IPAddress, l4Protocol: L4Protocol, sourcePort: UInt16,
                destinationPort: UInt16) throws -> Bool {
        let socket = try self.socket(source.family, l4Protocol)
        let header = l4Protocol == .tcp
            ? KeyCodec.bigEndian(sourcePort) + KeyCodec.bigEndian(destinationPort) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]
            : KeyCodec.bigEndian(sourcePort) + KeyCodec.bigEndian(destinationPort) + [0, 8, 0, 0]
        // The source address comes from bind; raw sockets are bound per call.
        try bind(socket, to: source)
        // A pending error (an ICMP error for an earlier probe) fails one send: try again.
        for _ in 0..<3 {
            let sent = withSocketAddress(destination) { address, length in
                header.withUnsafeBytes { Glibc.sendto(socket, $0.baseAddress, $0.count, 0, address, length) }
            }
            if sent == header.count { return true }
            if errno == EPERM { return false }
        }
        throw CommandFailure(description: "sendto \(source) → \(destination): \(String(cString: strerror(errno)))")
    }

    private func socket(_ family: IPFamily, _ proto: L4Protocol) throws -> Int32 {
        let key = (family == .v4 ? 4000 : 6000) + Int32(proto.number)
        if let open = sockets[key] { return open }
        let opened = try NetworkNamespace.run(in: namespace) {
            Glibc.socket(family == .v4 ? AF_INET : AF_INET6, Int32(SOCK_RAW.rawValue), Int32(proto.number))
        }
        guard opened >= 0 else { throw CommandFailure(description: "raw socket: \(String(cString: strerror(errno)))") }
        sockets[key] = opened
        return opened
    }

    private func bind(_ socket: Int32, to address: IPAddress) throws {
        let result = withSocketAddress(address) { Glibc.bind(socket, $0, $1) }
        guard result == 0 else { throw CommandFailure(description: "bind \(address): \(String(cString: strerror(errno)))") }
    }

    /// Port 0: a raw IPv6 socket refuses any other port than its protocol.
    private func withSocketAddress<T>(_ address: IPAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        switch address {
        case .v4(let value):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_addr.s_addr = value.bigEndian
            return withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyBytes(from: address.bytes) }
            return withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}
