import IPAddressing

/// Text built as UTF-8 bytes. A table holds hundreds of thousands of elements: writing their addresses
/// and ports digit by digit into one buffer avoids the Strings that interpolating and joining would
/// allocate for each of them.
struct TextBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func append(byte: UInt8) { bytes.append(byte) }

    mutating func append(_ other: TextBuffer) { bytes.append(contentsOf: other.bytes) }

    /// Decimal digits, as `"\(value)"` writes them.
    mutating func append(decimal value: some UnsignedInteger & FixedWidthInteger) {
        guard value >= 10 else { return bytes.append(UInt8(ascii: "0") + UInt8(value)) }
        append(decimal: value / 10)
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Lowercase hexadecimal digits without leading zeros, as `String(value, radix: 16)` writes them.
    mutating func append(hex value: UInt16) {
        var shift = 12
        while shift > 0, value >> UInt16(shift) == 0 { shift -= 4 }
        while shift >= 0 {
            let digit = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0xf
            bytes.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
            shift -= 4
        }
    }

    /// The address as `IPAddress.description` writes it: dotted quad, or RFC 5952 (the first longest
    /// run of two or more zero groups compressed).
    mutating func append(_ address: IPAddress) {
        switch address {
        case .v4(let value):
            for octet in 0..<4 {
                if octet > 0 { bytes.append(UInt8(ascii: ".")) }
                append(decimal: UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(octet))))
            }
        case .v6(let value):
            let group = { (index: Int) in UInt16(truncatingIfNeeded: value >> (112 - 16 * UInt128(index))) }
            var bestStart = -1, bestLength = 1, runStart = -1
            for index in 0...8 {
                if index < 8, group(index) == 0 {
                    if runStart < 0 { runStart = index }
                } else if runStart >= 0 {
                    if index - runStart > bestLength { (bestStart, bestLength) = (runStart, index - runStart) }
                    runStart = -1
                }
            }
            var index = 0
            while index < 8 {
                if index == bestStart {
                    bytes.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: ":")])
                    index += bestLength
                    continue
                }
                if index > 0, index != bestStart + bestLength { bytes.append(UInt8(ascii: ":")) }
                append(hex: group(index))
                index += 1
            }
        }
    }

    /// The text, as a String.
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
