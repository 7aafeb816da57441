import IPAddressing

extension Rule {
    /// The address family a packet must be of for this rule to match it, by the address fields the
    /// rule tests; nil when it tests no address (it may match packets of either family).
    public var addressFamily: IPFamily? {
        for match in matches {
            switch match {
            case .inSet(let fields, _):
                if let family = fields.lazy.compactMap(\.addressFamily).first { return family }
            case .icmpv6Type: return .v6
            case .conntrackState, .l4Protocol, .destinationPort, .conntrackLabel: continue
            }
        }
        if case .verdictMap(let fields, _) = action { return fields.lazy.compactMap(\.addressFamily).first }
        return nil
    }
}

extension Field {
    /// The family of an address field; nil for the others.
    public var addressFamily: IPFamily? {
        switch self {
        case .sourceAddress(let family), .destinationAddress(let family): return family
        case .l4Protocol, .destinationPort: return nil
        }
    }
}
