/// A prefix such as 10.0.0.0/8. Host bits in the text are cleared, as Go's net.ParseCIDR does.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]),
              !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit), parts[1].count <= 3,
              let length = Int(parts[1]), length <= address.family.bitWidth
        else { return nil }
        self.init(address: address, prefixLength: length)
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
