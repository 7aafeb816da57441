/// A set of addresses kept as sorted, disjoint, non-touching ranges. nftables interval sets reject
/// overlapping elements, so ipBlock `cidr` minus `except`, and unions of blocks, are merged here first.
public struct AddressRangeSet: Hashable, Sendable {
    public private(set) var ranges: [AddressRange] = []

    public init() {}

    public init(_ ranges: some Sequence<AddressRange>) {
        for range in ranges { insert(range) }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public mutating func insert(_ new: AddressRange) {
        var lower = new.lower, upper = new.upper
        var kept: [AddressRange] = []
        kept.reserveCapacity(ranges.count + 1)
        for range in ranges {
            if range.family != new.family || range.upper.successor.map({ $0 < lower }) ?? false
                || upper.successor.map({ $0 < range.lower }) ?? false {
                kept.append(range)
            } else {
                lower = min(lower, range.lower)
                upper = max(upper, range.upper)
            }
        }
        kept.append(AddressRange(lower: lower, upper: upper))
        ranges = kept.sorted()
    }

    public mutating func remove(_ cut: AddressRange) {
        var kept: [AddressRange] = []
        for range in ranges {
            guard range.family == cut.family, cut.lower <= range.upper, range.lower <= cut.upper else {
                kept.append(range)
                continue
            }
            if range.lower < cut.lower, let end = cut.lower.predecessor {
                kept.append(AddressRange(lower: range.lower, upper: end))
            }
            if cut.upper < range.upper, let start = cut.upper.successor {
                kept.append(AddressRange(lower: start, upper: range.upper))
            }
        }
        ranges = kept
    }

    public func contains(_ address: IPAddress) -> Bool {
        ranges.contains { $0.lower <= address && address <= $0.upper }
    }
}

extension IPAddress {
    /// The next address, or nil at the top of the family's space.
    public var successor: IPAddress? {
        switch self {
        case .v4(let value): return value == .max ? nil : .v4(value + 1)
        case .v6(let value): return value == .max ? nil : .v6(value + 1)
        }
    }

    public var predecessor: IPAddress? {
        switch self {
        case .v4(let value): return value == 0 ? nil : .v4(value - 1)
        case .v6(let value): return value == 0 ? nil : .v6(value - 1)
        }
    }
}
