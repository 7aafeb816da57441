import IPAddressing
import Ruleset

/// Key parts as bytes in the order packets carry them (network order), as nftables compares them.
enum KeyCodec {
    static func bounds(_ part: KeyPart) -> (low: [UInt8], high: [UInt8]) {
        switch part {
        case .address(let range): return (range.lower.bytes, range.upper.bytes)
        case .l4Protocol(let proto): return ([proto.number], [proto.number])
        case .ports(let range): return (bigEndian(range.lowerBound), bigEndian(range.upperBound))
        }
    }

    static func part(_ type: DataType, low: ArraySlice<UInt8>, high: ArraySlice<UInt8>) throws(WireDecodingError) -> KeyPart {
        switch type {
        case .ipv4Address, .ipv6Address:
            let lower = address(low), upper = address(high)
            guard lower <= upper else { throw .unexpected("address range \(lower)-\(upper)") }
            return .address(AddressRange(lower: lower, upper: upper))
        case .inetProtocol:
            guard low == high, let proto = L4Protocol.allCases.first(where: { [$0.number] == Array(low) }) else {
                throw .unexpected("protocol \(Array(low))-\(Array(high))")
            }
            return .l4Protocol(proto)
        case .inetService:
            let lower = port(low), upper = port(high)
            guard lower <= upper else { throw .unexpected("port range \(lower)-\(upper)") }
            return .ports(lower...upper)
        }
    }

    static func bigEndian(_ port: UInt16) -> [UInt8] { [UInt8(port >> 8), UInt8(port & 0xff)] }

    static func port(_ bytes: some Sequence<UInt8>) -> UInt16 {
        bytes.reduce(0) { $0 << 8 | UInt16($1) }
    }

    static func address(_ bytes: ArraySlice<UInt8>) -> IPAddress {
        bytes.count == 4
            ? .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
            : .v6(bytes.reduce(0) { $0 << 8 | UInt128($1) })
    }
}

/// Kernel state this agent would never have written, or bytes it cannot parse.
struct WireDecodingError: Error, CustomStringConvertible {
    let description: String

    static func unexpected(_ what: String) -> WireDecodingError { WireDecodingError(description: what) }
}
