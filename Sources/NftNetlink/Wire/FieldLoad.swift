import IPAddressing
import Ruleset

/// Where each field of the model is read from: one table for encoding and decoding.
extension Field {
    static let all: [Field] = [
        .sourceAddress(.v4), .destinationAddress(.v4), .sourceAddress(.v6), .destinationAddress(.v6),
        .l4Protocol, .destinationPort,
    ]

    func load(into register: UInt32) -> Expression {
        let length = UInt32(dataType.byteLength)
        switch self {
        case .sourceAddress(let family):
            return .payload(.network, offset: family == .v4 ? 12 : 8, length: length, dreg: register)
        case .destinationAddress(let family):
            return .payload(.network, offset: family == .v4 ? 16 : 24, length: length, dreg: register)
        case .l4Protocol:
            return .meta(.l4proto, dreg: register)
        case .destinationPort:
            return .payload(.transport, offset: 2, length: length, dreg: register)
        }
    }

    /// The field an expression loads, and into which register.
    static func loaded(by expression: Expression) -> (field: Field, register: UInt32)? {
        let register: UInt32
        switch expression {
        case .payload(_, _, _, let dreg), .meta(.l4proto, let dreg): register = dreg
        default: return nil
        }
        return all.first { $0.load(into: register) == expression }.map { ($0, register) }
    }

    /// An address field needs `meta nfproto` to match its family first in an inet table.
    var family: IPFamily? {
        switch self {
        case .sourceAddress(let family), .destinationAddress(let family): return family
        case .l4Protocol, .destinationPort: return nil
        }
    }
}

extension IPFamily {
    /// NFPROTO_IPV4 / NFPROTO_IPV6, as `meta nfproto` reads them.
    var nfproto: UInt8 { self == .v4 ? 2 : 10 }
}
