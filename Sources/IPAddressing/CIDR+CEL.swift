extension CIDR {
    /// Reads a CIDR as Kubernetes CEL `isCIDR` accepts it (k8s.io/apiserver/pkg/cel/library/cidr.go,
    /// parseCIDR): Go's netip.ParsePrefix, stricter than the legacy fields' ParseCIDRSloppy: no leading
    /// zeros in IPv4 octets or in the prefix length, and no IPv4-mapped IPv6 address (netip's Is4In6).
    /// Host bits may be set (netip keeps them; the network here clears them, as matching does).
    public init?(celText text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !Self.hasLeadingZero(parts[1]),
              let written = IPAddress(written: parts[0]), written.unmapped == written,
              Self.dottedOctets(parts[0]).allSatisfy({ !Self.hasLeadingZero($0) }),
              let length = IPAddress.decimal(parts[1], max: written.family.bitWidth)
        else { return nil }
        self.init(address: written, prefixLength: length)
    }

    /// The IPv4 octets in address text: the whole of an IPv4 address, or the embedded tail of an IPv6 one.
    private static func dottedOctets(_ address: Substring) -> [Substring] {
        let tail = address.split(separator: ":", omittingEmptySubsequences: false).last ?? address
        return tail.contains(".") ? tail.split(separator: ".", omittingEmptySubsequences: false) : []
    }

    private static func hasLeadingZero(_ digits: Substring) -> Bool { digits.count > 1 && digits.first == "0" }
}
