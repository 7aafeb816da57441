import IPAddressing
import Ruleset

/// Key parts as bytes in the order packets carry them (network order), as nftables compares them.
enum KeyCodec {
    /// The part's low (or high) end at the start of `field`, which is long enough for it.
    static func write(_ part: KeyPart, high: Bool, to field: UnsafeMutableBufferPointer<UInt8>) {
        switch part {
        case .address(let range):
            switch high ? range.upper : range.lower {
            case .v4(let value): for index in 0..<4 { field[index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index)) }
            case .v6(let value): for index in 0..<16 { field[index] = UInt8(truncatingIfNeeded: value >> (120 - 8 * index)) }
            }
        case .l4Protocol(let proto):
            field[0] = proto.number
        case .ports(let range):
            let port = high ? range.upperBound : range.lowerBound
            (field[0], field[1]) = (UInt8(port >> 8), UInt8(port & 0xff))
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
