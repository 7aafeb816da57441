import Foundation
import IPAddressing

/// The namespace's IPv4 main table and IPv6 routes, read from /proc/net/route and /proc/net/ipv6_route
/// (formats: linux net/ipv4/fib_trie.c `fib_route_seq_show`, net/ipv6/route.c `rt6_info_route`).
struct RouteTable {
    struct Route {
        var range: AddressRange
        var prefixLength: Int
        var metric: UInt32
        var device: String
    }

    private(set) var routes: [Route] = []

    /// RTF_UP, and RTF_REJECT (unreachable and prohibit routes lead nowhere).
    private static let up: UInt32 = 0x1, reject: UInt32 = 0x200

    init(procNet: String) {
        for line in Self.lines(of: "\(procNet)/route").dropFirst() {
            // Iface Destination Gateway Flags RefCnt Use Metric Mask …; addresses as the host reads a __be32.
            let f = line.split(whereSeparator: \.isWhitespace)
            guard f.count >= 8, let destination = UInt32(f[1], radix: 16), let flags = UInt32(f[3], radix: 16),
                  let metric = UInt32(f[6]), let mask = UInt32(f[7], radix: 16) else { continue }
            let bytes = withUnsafeBytes(of: destination) { Array($0) }
            add(address: bytes.map(String.init).joined(separator: "."), length: mask.nonzeroBitCount, metric: metric,
                flags: flags, device: String(f[0]))
        }
        for line in Self.lines(of: "\(procNet)/ipv6_route") {
            // dest plen src splen nexthop metric refcnt use flags iface, numbers in hex.
            let f = line.split(whereSeparator: \.isWhitespace)
            guard f.count >= 10, f[0].count == 32, let length = Int(f[1], radix: 16), let metric = UInt32(f[5], radix: 16),
                  let flags = UInt32(f[8], radix: 16) else { continue }
            let groups = stride(from: 0, to: 32, by: 4).map { offset in
                f[0].dropFirst(offset).prefix(4)
            }
            add(address: groups.joined(separator: ":"), length: length, metric: metric, flags: flags, device: String(f[9]))
        }
    }

    /// The device of the most specific route to `address` (lowest metric among equals); nil if none.
    func device(for address: IPAddress) -> String? {
        routes.filter { $0.range.family == address.family && $0.range.lower <= address && address <= $0.range.upper }
            .min { ($1.prefixLength, $0.metric) < ($0.prefixLength, $1.metric) }?.device
    }

    private mutating func add(address: String, length: Int, metric: UInt32, flags: UInt32, device: String) {
        guard flags & Self.up != 0, flags & Self.reject == 0, device != "lo", let network = IPAddress(address) else { return }
        routes.append(Route(range: AddressRange.prefix(of: network, length: length), prefixLength: length, metric: metric, device: device))
    }

    private static func lines(of path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }
}
