import IPAddressing
import Testing

@Suite("IPAddressing: addresses, CIDRs, range sets")
struct IPAddressingTests {
    @Test("IPv4 parses to its integer and formats back", arguments: [
        ("10.1.2.3", UInt32(0x0a01_0203)), ("0.0.0.0", 0), ("255.255.255.255", .max), ("192.168.0.10", 0xc0a8_000a),
    ])
    func ipv4RoundTrip(text: String, value: UInt32) {
        #expect(IPAddress(text) == .v4(value))
        #expect(IPAddress.v4(value).description == text)
        #expect(IPAddress(text)?.family == .v4)
    }

    @Test("IPv4 rejects malformed text", arguments: [
        "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.0256",
        "1.2.3.-1", "1.2.3.+1", "", " 1.2.3.4", "1.2.3.4 ", "a.b.c.d", "1.2.3.1000",
        // Digits other than ASCII, and a combining mark on a digit, are no octet (read byte by byte).
        "\u{0661}.2.3.4", "\u{FF11}.2.3.4", "1.2.3.4\u{0301}", "1\u{0301}.2.3.4", "1.2.3.\u{0000}4",
    ])
    func ipv4Rejects(text: String) {
        #expect(IPAddress(text) == nil)
    }

    /// Failure closed: pods and ipBlocks written with leading zeros were rejected, although the API
    /// server stores them. Its legacy parser (ParseIPSloppy, k8s.io/utils/net/parse.go) strips any
    /// number of leading zeros from each octet (matchZeros) and reads the rest as DECIMAL, never octal.
    @Test("IPv4 octets with leading zeros are decimal, as ParseIPSloppy reads them", arguments: [
        ("010.0.0.1", UInt32(0x0a00_0001)), ("10.01.2.3", 0x0a01_0203), ("1.2.3.00", 0x0102_0300),
        ("0000000255.000.0.0009", 0xff00_0009), ("192.168.000.010", 0xc0a8_000a),
    ])
    func ipv4LeadingZerosAreDecimal(text: String, value: UInt32) {
        #expect(IPAddress(text) == .v4(value), "\(text) parsed as \(String(describing: IPAddress(text)))")
    }

    @Test("IPv6 formats in RFC 5952 canonical form", arguments: [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:DB8::A", "2001:db8::a"),
        ("::", "::"), ("::1", "::1"), ("1::", "1::"),
        ("0:0:0:0:0:0:0:0", "::"),
        // The longest run of zero groups is compressed ...
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        // ... the first of equally long runs ...
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        // ... and a single zero group never.
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("1:0:0:0:0:0:0:0", "1::"), ("0:0:0:0:0:0:0:1", "::1"),
        ("fd00:10:244:1::10", "fd00:10:244:1::10"),
        ("0001:002:03:4::", "1:2:3:4::"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
    ])
    func ipv6Canonical(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.family == .v6)
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test("IPv6 accepts an embedded IPv4 tail")
    func ipv6EmbeddedIPv4() {
        #expect(IPAddress("::192.0.2.1") == .v6(0xc000_0201))
        #expect(IPAddress("64:ff9b::192.0.2.33") == .v6(UInt128(0x64ff_9b) << 96 | 0xc000_0221))
        #expect(IPAddress("1:2:3:4:5:6:1.2.3.4") == .v6(0x0001_0002_0003_0004_0005_0006_0102_0304))
        // Whatever the notation chosen, formatting gives text that parses back to the same address.
        let compatible = IPAddress("::10.0.0.1")!
        #expect(IPAddress(compatible.description) == compatible)
    }

    /// Failure open: "::ffff:10.0.0.7" as a pod IP became an IPv6 address, so the pod's IPv4 traffic
    /// from 10.0.0.7 matched none of its rules. The API server reads it as IPv4: GetWarningsForIP
    /// (apimachinery/pkg/util/validation/ip.go) tells the user to write ip.String(), "10.0.0.7", and
    /// validatePodIPs counts it as IPv4 (k8s.io/utils/net IsDualStackIPStrings, net.IP.To4).
    @Test("an IPv4-mapped IPv6 address is the IPv4 address", arguments: [
        "::ffff:10.0.0.7", "::FFFF:10.0.0.7", "0:0:0:0:0:ffff:10.0.0.7", "::ffff:a00:7", "::ffff:010.0.0.007",
    ])
    func ipv4MappedIsIPv4(text: String) {
        #expect(IPAddress(text) == .v4(0x0a00_0007), "\(text) parsed as \(String(describing: IPAddress(text)))")
    }

    /// matchZeros (ParseIPSloppy) also strips the zeros of an IPv4 tail after a colon; IPv6 groups
    /// keep net.ParseIP's limit of four hex digits, so "00001::" stays invalid.
    @Test("an embedded IPv4 tail may carry leading zeros")
    func ipv6EmbeddedIPv4LeadingZeros() {
        #expect(IPAddress("::1.2.3.04") == .v6(0x0102_0304))
        #expect(IPAddress("64:ff9b::010.0.0.1") == .v6(UInt128(0x64ff_9b) << 96 | 0x0a00_0001))
    }

    @Test("IPv6 rejects malformed text", arguments: [
        ":::", "::::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "12345::", "g::", "1:2:3:4:5:6:7", ":1::", "1::2:", ":", "1:2:3:4:5:6:7:8:",
        "00001::", "::0000ffff:1", "::1.2.3", "::256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5",
        "::-1", "fe80::1%eth0", "[::1]",
    ])
    func ipv6Rejects(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("IPv6 groups are hex digits only: no sign", arguments: ["+1::", "::+f", "1:+2::", "::-0"])
    func ipv6RejectsSigns(text: String) {
        #expect(IPAddress(text) == nil, "\(text) parsed as \(String(describing: IPAddress(text)))")
    }

    @Test("IPv6 takes an embedded IPv4 only as the last 32 bits", arguments: ["1.2.3.4::", "1.2.3.4::1", "::1.2.3.4:1"])
    func ipv6EmbeddedIPv4OnlyAtTheEnd(text: String) {
        #expect(IPAddress(text) == nil, "\(text) parsed as \(String(describing: IPAddress(text)))")
    }

    @Test("a CIDR's host bits are cleared")
    func cidrMasksHostBits() throws {
        let v4 = try #require(CIDR("10.1.2.3/8"))
        #expect(v4.network == IPAddress("10.0.0.0"))
        #expect(v4.prefixLength == 8)
        #expect(v4.description == "10.0.0.0/8")
        #expect(v4.range == AddressRange(lower: IPAddress("10.0.0.0")!, upper: IPAddress("10.255.255.255")!))

        let v6 = try #require(CIDR("2001:db8:ffff::1/33"))
        #expect(v6.description == "2001:db8:8000::/33")
        #expect(v6.family == .v6)
        #expect(v6.range.upper == IPAddress("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))

        #expect(CIDR("1.2.3.4/32")?.range == AddressRange(IPAddress("1.2.3.4")!))
        #expect(CIDR("1.2.3.4/0")?.description == "0.0.0.0/0")
        #expect(CIDR("0.0.0.0/0")?.range == AddressRange(lower: .v4(0), upper: .v4(.max)))
        #expect(CIDR("::/0")?.range == AddressRange(lower: .v6(0), upper: .v6(.max)))
        #expect(CIDR("::1/128")?.range == AddressRange(IPAddress("::1")!))
    }

    /// ParseCIDRSloppy (k8s.io/utils/net/parse.go) reads the address as ParseIPSloppy does, and Go's
    /// net.ParseCIDR reads the prefix length with dtoi, leading zeros and all (also after IPv6).
    @Test("CIDR text with leading zeros means what ParseCIDRSloppy reads", arguments: [
        ("010.001.0.0/16", "10.1.0.0/16"), ("10.0.0.0/0008", "10.0.0.0/8"), ("10.0.0.0/000000000000000000024", "10.0.0.0/24"),
        ("fd00::/0064", "fd00::/64"), ("00fd::/16", "fd::/16"),
    ])
    func cidrLeadingZeros(text: String, canonical: String) {
        #expect(CIDR(text)?.description == canonical, "\(text) parsed as \(String(describing: CIDR(text)))")
    }

    /// Failure open or closed by family: "::ffff:10.0.0.0/104" was an IPv6 prefix that no IPv4 packet
    /// matches. Go's net.IPNet (used by ValidateIPBlock and by GetWarningsForCIDR, whose suggested
    /// replacement is ipnet.String()) treats an IPv4-mapped network of prefix >= 96 as IPv4 with
    /// prefix - 96; a shorter prefix masks the ffff away and stays IPv6.
    @Test("an IPv4-mapped CIDR is the IPv4 CIDR", arguments: [
        ("::ffff:10.0.0.0/104", "10.0.0.0/8"), ("::ffff:10.1.2.3/120", "10.1.2.0/24"), ("::ffff:0:0/96", "0.0.0.0/0"),
        ("::ffff:10.0.0.1/128", "10.0.0.1/32"), ("::ffff:10.0.0.0/95", "::fffe:0:0/95"), ("::ffff:10.0.0.0/64", "::/64"),
    ])
    func ipv4MappedCIDR(text: String, canonical: String) {
        #expect(CIDR(text)?.description == canonical, "\(text) parsed as \(String(describing: CIDR(text)))")
    }

    @Test("CIDR rejects malformed text", arguments: [
        "10.0.0.0/33", "::/129", "10.0.0.0", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "/8", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "10.0.0.0/1000", "10.0.0.0/0033", "::1/", "1::2::3/64", "::ffff:10.0.0.0/129",
    ])
    func cidrRejects(text: String) {
        #expect(CIDR(text) == nil)
    }

    private func range(_ lower: String, _ upper: String) -> AddressRange {
        AddressRange(lower: IPAddress(lower)!, upper: IPAddress(upper)!)
    }

    private func set(_ cidrs: String...) -> AddressRangeSet {
        AddressRangeSet(cidrs.map { CIDR($0)!.range })
    }

    @Test("overlapping and adjacent ranges merge; others stay apart, sorted")
    func rangeSetMerge() {
        #expect(set("10.0.0.0/25", "10.0.0.128/25").ranges == [CIDR("10.0.0.0/24")!.range])
        #expect(set("10.0.0.0/24", "10.0.0.0/16").ranges == [CIDR("10.0.0.0/16")!.range])
        #expect(set("10.0.2.0/24", "10.0.0.0/24").ranges == [range("10.0.0.0", "10.0.0.255"), range("10.0.2.0", "10.0.2.255")])
        // Three pieces that only join once the middle one arrives.
        #expect(set("10.0.0.0/24", "10.0.2.0/24", "10.0.1.0/24").ranges == [range("10.0.0.0", "10.0.2.255")])
        // Families never merge, even when the integers touch.
        #expect(set("0.0.0.0/0", "::/0").ranges == [CIDR("0.0.0.0/0")!.range, CIDR("::/0")!.range])
        // At the very top of the space there is no successor, and merging still works.
        #expect(set("255.255.255.255/32", "255.255.255.254/32").ranges == [range("255.255.255.254", "255.255.255.255")])
        #expect(set("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "::/0").ranges == [CIDR("::/0")!.range])
    }

    @Test("subtracting an except at the lower edge, the upper edge and the middle")
    func rangeSetSubtract() {
        var lower = set("10.0.0.0/24"); lower.remove(CIDR("10.0.0.0/26")!.range)
        #expect(lower.ranges == [range("10.0.0.64", "10.0.0.255")])
        var upper = set("10.0.0.0/24"); upper.remove(CIDR("10.0.0.192/26")!.range)
        #expect(upper.ranges == [range("10.0.0.0", "10.0.0.191")])
        var middle = set("10.0.0.0/24"); middle.remove(CIDR("10.0.0.128/30")!.range)
        #expect(middle.ranges == [range("10.0.0.0", "10.0.0.127"), range("10.0.0.132", "10.0.0.255")])
        var whole = set("10.0.0.0/24"); whole.remove(CIDR("10.0.0.0/24")!.range)
        #expect(whole.isEmpty)
        var otherFamily = set("10.0.0.0/24"); otherFamily.remove(CIDR("::/0")!.range)
        #expect(otherFamily.ranges == [CIDR("10.0.0.0/24")!.range])
    }

    @Test("/0, /32 and /128 edges of the address space")
    func rangeSetEdges() {
        var v4 = set("0.0.0.0/0")
        v4.remove(CIDR("0.0.0.0/32")!.range)
        v4.remove(CIDR("255.255.255.255/32")!.range)
        #expect(v4.ranges == [range("0.0.0.1", "255.255.255.254")])
        #expect(!v4.contains(IPAddress("0.0.0.0")!) && v4.contains(IPAddress("0.0.0.1")!))

        var v6 = set("::/0")
        v6.remove(CIDR("::/128")!.range)
        v6.remove(CIDR("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")!.range)
        #expect(v6.ranges == [range("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")])

        var split = set("::/0")
        split.remove(CIDR("fd00::/8")!.range)
        #expect(split.ranges == [range("::", "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), CIDR("fe00::/7")!.range])
        #expect(!split.contains(IPAddress("fd00::1")!) && split.contains(IPAddress("fe80::1")!))
    }

    @Test("a range knows whether it is exactly one prefix")
    func prefixLengthDetection() {
        #expect(range("10.0.0.0", "10.0.0.255").prefixLength == 24)
        #expect(range("10.0.0.7", "10.0.0.7").prefixLength == 32)
        #expect(range("0.0.0.0", "255.255.255.255").prefixLength == 0)
        #expect(range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixLength == 0)
        #expect(range("fd00::1", "fd00::1").prefixLength == 128)
        #expect(range("fe00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixLength == 7)
        #expect(range("10.0.0.1", "10.0.0.2").prefixLength == nil)
        #expect(range("10.0.0.0", "10.0.0.2").prefixLength == nil)
        // The right size but not aligned.
        #expect(range("10.0.0.128", "10.0.1.127").prefixLength == nil)
        #expect(range("::", "fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixLength == nil)
    }
}
