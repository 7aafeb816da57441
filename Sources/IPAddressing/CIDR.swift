/// A prefix such as 10.0.0.0/8, read as the API server's legacy fields read it (ParseCIDRSloppy,
/// k8s.io/utils/net/parse.go): the address as `IPAddress` parses it, the length with leading zeros
/// allowed (Go's dtoi), and host bits cleared, as Go's net.ParseCIDR does.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let written = IPAddress(written: Substring(parts[0])),
              let length = IPAddress.decimal(Substring(parts[1]), max: written.family.bitWidth)
        else { return nil }
        // Go's net.IPNet reads an IPv4-mapped network of /96 or longer as IPv4 with 96 bits fewer
        // (networkNumberAndMask in net/ip.go); a shorter prefix masks the ::ffff away and stays IPv6.
        let mappedBits = IPFamily.v6.bitWidth - IPFamily.v4.bitWidth
        if length >= mappedBits, case .v4 = written.unmapped {
            self.init(address: written.unmapped, prefixLength: length - mappedBits)
        } else {
            self.init(address: written, prefixLength: length)
        }
    }

    public init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        self.network = AddressRange.prefix(of: address, length: prefixLength).lower
    }

    public var family: IPFamily { network.family }
    public var range: AddressRange { AddressRange.prefix(of: network, length: prefixLength) }
    public var description: String { "\(network)/\(prefixLength)" }
}

/// An inclusive range of addresses of one family.
public struct AddressRange: Hashable, Sendable, Comparable {
    public let lower: IPAddress
    public let upper: IPAddress

    public init(lower: IPAddress, upper: IPAddress) {
        precondition(lower.family == upper.family && lower <= upper, "invalid address range")
        self.lower = lower
        self.upper = upper
    }

    public init(_ single: IPAddress) { self.init(lower: single, upper: single) }

    public static func prefix(of address: IPAddress, length: Int) -> AddressRange {
        switch address {
        case .v4(let value):
            let hostMask: UInt32 = length == 0 ? .max : (length == 32 ? 0 : UInt32.max >> UInt32(length))
            return AddressRange(lower: .v4(value & ~hostMask), upper: .v4(value | hostMask))
        case .v6(let value):
            let hostMask: UInt128 = length == 0 ? .max : (length == 128 ? 0 : UInt128.max >> UInt128(length))
            return AddressRange(lower: .v6(value & ~hostMask), upper: .v6(value | hostMask))
        }
    }

    public var family: IPFamily { lower.family }

    /// The prefix length if this range is exactly one CIDR block.
    public var prefixLength: Int? {
        switch (lower, upper) {
        case let (.v4(lo), .v4(hi)):
            let span = hi ^ lo
            guard span & (span &+ 1) == 0, lo & span == 0 else { return nil }
            return 32 - span.nonzeroBitCount
        case let (.v6(lo), .v6(hi)):
            let span = hi ^ lo
            guard span & (span &+ 1) == 0, lo & span == 0 else { return nil }
            return 128 - span.nonzeroBitCount
        default:
            return nil
        }
    }

    public static func < (lhs: AddressRange, rhs: AddressRange) -> Bool {
        (lhs.lower, lhs.upper) < (rhs.lower, rhs.upper)
    }
}
