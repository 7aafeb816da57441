/// An IPv4 or IPv6 address held as an integer, so ranges and prefixes are plain arithmetic.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    public var family: IPFamily {
        switch self {
        case .v4: return .v4
        case .v6: return .v6
        }
    }

    /// Parses IP text as the API server's legacy fields do (ParseIPSloppy, k8s.io/utils/net/parse.go):
    /// dotted-quad IPv4 whose octets may carry leading zeros, read as decimal, or RFC 4291 IPv6 (with
    /// `::` compression and an embedded IPv4 tail). An IPv4-mapped IPv6 address is the IPv4 address,
    /// as Go's net.IP.To4 and the API server's GetWarningsForIP (apimachinery/pkg/util/validation/ip.go) read it.
    public init?(_ text: some StringProtocol) {
        guard let written = IPAddress(written: Substring(text)) else { return nil }
        self = written.unmapped
    }

    /// The address in the family its text is written in: "::ffff:10.0.0.1" stays IPv6 here.
    init?(written text: Substring) {
        // Byte search: a ":" joined to a combining mark is no separator, but no address has either.
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let value = IPAddress.parseV6(text) else { return nil }
            self = .v6(value)
        } else {
            guard let value = IPAddress.parseV4(text) else { return nil }
            self = .v4(value)
        }
    }

    /// An address in ::ffff:0:0/96 as the IPv4 address it carries; any other address unchanged.
    var unmapped: IPAddress {
        guard case .v6(let value) = self, value >> 32 == 0xffff else { return self }
        return .v4(UInt32(truncatingIfNeeded: value))
    }

    public var description: String {
        switch self {
        case .v4(let value): return IPAddress.formatV4(value)
        case .v6(let value): return IPAddress.formatV6(value)
        }
    }

    /// The address in network byte order, as it appears in packets and nftables keys.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let value): return (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(a), .v4(b)): return a < b
        case let (.v6(a), .v6(b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    /// Reads the UTF-8 bytes in place: a pod's address is parsed for every pod of a sync, and
    /// splitting it into Substrings of Characters cost more than the rest of its validation.
    static func parseV4(_ text: Substring) -> UInt32? {
        var text = text
        return text.withUTF8(parseV4(bytes:))
    }

    /// Four dot-separated decimal octets, each non-empty and at most 255.
    private static func parseV4(bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
                continue
            }
            let digit = byte &- UInt8(ascii: "0")
            // ParseIPSloppy strips leading zeros (matchZeros) before net.ParseIP: "010" is ten, never octal.
            guard digit < 10 else { return nil }
            octet = octet * 10 + UInt32(digit)
            digits += 1
            guard octet <= 255 else { return nil }
        }
        guard digits > 0, dots == 3 else { return nil }
        return value << 8 | octet
    }

    /// Reads the UTF-8 bytes in place, as `parseV4` does: no Substrings, no arrays of groups. Any
    /// byte that is not ASCII fails, as every non-ASCII Character failed before.
    static func parseV6(_ text: Substring) -> UInt128? {
        var text = text
        return text.withUTF8(parseV6(bytes:))
    }

    /// Eight groups of one to four hex digits, or fewer on both sides of one "::" that stands for the
    /// zero groups left out (RFC 4291 2.2); the last 32 bits may be written as dotted IPv4.
    private static func parseV6(bytes: UnsafeBufferPointer<UInt8>) -> UInt128? {
        let colon = UInt8(ascii: ":")
        // Every "::", left to right without overlap: a second one makes the text invalid.
        var gap: Int?, index = 0
        while index + 1 < bytes.count {
            if bytes[index] == colon && bytes[index + 1] == colon {
                guard gap == nil else { return nil }
                gap = index
                index += 2
            } else {
                index += 1
            }
        }
        guard let head = groups(bytes[..<(gap ?? bytes.count)], endsAddress: gap == nil) else { return nil }
        guard let gap else { return head.count == 8 ? head.value : nil }
        guard let tail = groups(bytes[(gap + 2)...], endsAddress: true), head.count + tail.count <= 7 else { return nil }
        return head.value << (16 * (8 - head.count)) | tail.value
    }

    /// The colon-separated groups of one side of "::", as one number, and how many 16-bit groups that
    /// is (an IPv4 tail counts two). An embedded IPv4 address can only be the last 32 bits: the end of
    /// the text, never before "::".
    private static func groups(_ part: Slice<UnsafeBufferPointer<UInt8>>, endsAddress: Bool) -> (value: UInt128, count: Int)? {
        guard !part.isEmpty else { return (0, 0) }
        var value: UInt128 = 0, count = 0, start = part.startIndex
        while true {
            let end = part[start...].firstIndex(of: UInt8(ascii: ":")) ?? part.endIndex
            let field = UnsafeBufferPointer(rebasing: part[start..<end])
            if endsAddress, end == part.endIndex, field.contains(UInt8(ascii: ".")) {
                guard let v4 = parseV4(bytes: field) else { return nil }
                (value, count) = (value << 32 | UInt128(v4), count + 2)
            } else {
                // Hex digits only: UInt16(_:radix:) would also take a sign ("+1", "-0").
                guard (1...4).contains(field.count), let group = hexGroup(field) else { return nil }
                (value, count) = (value << 16 | UInt128(group), count + 1)
            }
            guard count <= 8 else { return nil }
            guard end < part.endIndex else { return (value, count) }
            start = end + 1
        }
    }

    private static func hexGroup(_ digits: UnsafeBufferPointer<UInt8>) -> UInt16? {
        var group: UInt16 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            group = group << 4 | UInt16(digit)
        }
        return group
    }

    /// Decimal digits only, any number of leading zeros, at most `max`: Go's dtoi, which net.ParseCIDR
    /// uses for the prefix length, and the octets ParseIPSloppy accepts.
    static func decimal(_ text: Substring, max: Int) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for character in text {
            guard let digit = character.isASCIIDigit ? character.wholeNumberValue : nil else { return nil }
            value = value * 10 + digit
            guard value <= max else { return nil }
        }
        return value
    }

    static func formatV4(_ value: UInt32) -> String {
        (0..<4).map { String(value >> (24 - 8 * $0) & 0xff) }.joined(separator: ".")
    }

    /// RFC 5952 canonical form: lowercase, the longest run of two or more zero groups compressed.
    static func formatV6(_ value: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * $0)) }
        var bestStart = -1, bestLength = 1, runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}

public enum IPFamily: String, Hashable, Comparable, Sendable, CaseIterable {
    case v4, v6

    public var bitWidth: Int { self == .v4 ? 32 : 128 }

    public static func < (lhs: IPFamily, rhs: IPFamily) -> Bool { lhs == .v4 && rhs == .v6 }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
