/// Strings, integers, booleans and null, each as JSONDecoder reads it or declined.
extension JSONWireReader {
    /// A string's value. Escapes are resolved as JSONDecoder resolves them (JSONScanner.swift,
    /// parseEscapeSequence); escaped surrogates decline.
    public mutating func readString() throws(JSONWireFallback) -> String {
        guard current == UInt8(ascii: "\"") else { throw JSONWireFallback() }
        let (end, escaped) = try stringEnd(openingAt: position)
        let text = UnsafeRawBufferPointer(rebasing: bytes[position + 1..<end])
        position = blanksEnd(from: end + 1)
        return escaped ? Self.unescaped(text) : String(decoding: text, as: UTF8.self)
    }

    /// An integer written as one, of up to 18 digits (so any Int), as JSONDecoder reads into an Int
    /// (JSONDecoder.swift, unwrapFixedWidthInteger). Fractions, exponents, leading zeros and -0 decline.
    public mutating func readInt() throws(JSONWireFallback) -> Int {
        let negative = current == UInt8(ascii: "-")
        let first = negative ? position + 1 : position
        var offset = first, value = 0
        while case let digit = byte(at: offset) &- UInt8(ascii: "0"), digit < 10 {
            value = value &* 10 &+ Int(digit)
            offset += 1
        }
        let count = offset - first
        guard count > 0, count <= 18, byte(at: first) != UInt8(ascii: "0") || (count == 1 && !negative),
              !Self.continuesNumber(byte(at: offset)) else { throw JSONWireFallback() }
        position = offset
        skipWhitespace()
        return negative ? -value : value
    }

    public mutating func readBool() throws(JSONWireFallback) -> Bool {
        switch current {
        case UInt8(ascii: "t"): try readLiteral("true"); return true
        case UInt8(ascii: "f"): try readLiteral("false"); return false
        default: throw JSONWireFallback()
        }
    }

    /// Steps over a `null` and says so; false, having read nothing, before any other value.
    public mutating func consumeNull() throws(JSONWireFallback) -> Bool {
        guard current == UInt8(ascii: "n") else { return false }
        try readLiteral("null")
        return true
    }

    mutating func readLiteral(_ word: StaticString) throws(JSONWireFallback) {
        position = blanksEnd(from: try literalEnd(word, at: position))
    }

    /// The offset after `word` (true, false or null), which must stand at `offset`.
    @inline(__always)
    func literalEnd(_ word: StaticString, at offset: Int) throws(JSONWireFallback) -> Int {
        let letters = word.utf8Start
        for index in 0..<word.utf8CodeUnitCount where byte(at: offset + index) != letters[index] { throw JSONWireFallback() }
        return offset + word.utf8CodeUnitCount
    }

    /// The offset after the number at `start`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259
    /// section 6), any length.
    func numberEnd(from start: Int) throws(JSONWireFallback) -> Int {
        var offset = start
        if byte(at: offset) == UInt8(ascii: "-") { offset += 1 }
        if byte(at: offset) == UInt8(ascii: "0") {
            offset += 1
        } else {
            offset = try digits(from: offset)
        }
        if byte(at: offset) == UInt8(ascii: ".") { offset = try digits(from: offset + 1) }
        if byte(at: offset) | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if byte(at: offset) == UInt8(ascii: "+") || byte(at: offset) == UInt8(ascii: "-") { offset += 1 }
            offset = try digits(from: offset)
        }
        guard !Self.continuesNumber(byte(at: offset)) else { throw JSONWireFallback() }
        return offset
    }

    /// The offset after one or more digits.
    private func digits(from start: Int) throws(JSONWireFallback) -> Int {
        var offset = start
        while byte(at: offset) &- UInt8(ascii: "0") < 10 { offset += 1 }
        guard offset > start else { throw JSONWireFallback() }
        return offset
    }

    /// A byte that would make a longer number (JSONDecoder's scanner reads one up to any other byte).
    private static func continuesNumber(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10 || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// Checks the string whose opening quote is at `quote`: escapes, control characters and UTF-8. The
    /// offset of its closing quote, and whether there are escapes to resolve. Small enough to inline
    /// into every loop that reads strings: most strings (keys above all) are one plain run up to the
    /// quote, and anything else is left to `irregularStringEnd`.
    @inline(__always)
    func stringEnd(openingAt quote: Int) throws(JSONWireFallback) -> (end: Int, escaped: Bool) {
        let offset = plainRunEnd(from: quote &+ 1)
        guard byte(at: offset) == UInt8(ascii: "\"") else { return try irregularStringEnd(from: offset) }
        return (offset, false)
    }

    /// `stringEnd` from the first byte of a string that ends no plain run: an escape, a control
    /// character, UTF-8, or one of the last 7 bytes.
    @inline(never)
    private func irregularStringEnd(from start: Int) throws(JSONWireFallback) -> (end: Int, escaped: Bool) {
        var offset = start, escaped = false
        while true {
            offset = plainRunEnd(from: offset)
            let byte = byte(at: offset)
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                offset = try escapeEnd(at: offset)
            } else if byte >= 0x80 {
                offset = try utf8SequenceEnd(at: offset)
            } else {
                // Unescaped control characters are refused (JSONScanner.swift, unescapedControlCharacterInString).
                guard byte >= 0x20 else { throw JSONWireFallback() }
                offset += 1
            }
        }
        return (offset, escaped)
    }

    /// The offset of the first byte from `offset` on that ends a plain run: a quote, a backslash, a
    /// control character, a byte of multi-byte UTF-8, or one of the last 7 bytes (left to the bytewise
    /// loop). Eight bytes are tested at a time (SWAR): a byte is flagged when it equals `"` or `\`, is
    /// below 0x20 or at least 0x80. Flags above the lowest one may be false (borrows of the subtraction
    /// run upwards only), the lowest is exact, and only the lowest is used.
    @inline(__always)
    func plainRunEnd(from offset: Int) -> Int {
        guard let base = bytes.baseAddress else { return offset }
        var offset = offset
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while offset &+ 8 <= bytes.count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            let flagged = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word
            let stops = flagged & highs
            if stops != 0 { return offset &+ stops.trailingZeroBitCount >> 3 }
            offset &+= 8
        }
        return offset
    }

    /// The offset after the escape at `offset`: one of \" \\ \/ \b \f \n \r \t, or \u and four hex
    /// digits that are not a surrogate.
    private func escapeEnd(at offset: Int) throws(JSONWireFallback) -> Int {
        switch byte(at: offset + 1) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return offset + 2
        case UInt8(ascii: "u"):
            guard let code = hexCode(at: offset + 2), !(0xD800...0xDFFF).contains(code) else { throw JSONWireFallback() }
            return offset + 6
        default:
            throw JSONWireFallback()
        }
    }

    /// The four hex digits at `offset`.
    private func hexCode(at offset: Int) -> UInt32? {
        var code: UInt32 = 0
        for index in offset..<offset + 4 {
            guard let digit = Self.hexDigit(byte(at: index)) else { return nil }
            code = code << 4 | digit
        }
        return code
    }

    /// The length of a well-formed UTF-8 sequence of two to four bytes led by `lead`, and the range its
    /// second byte must be in (Unicode 15, table 3-7; the others are all 0x80...0xBF); nil for any byte
    /// that cannot lead one.
    public static func utf8Sequence(leadingWith lead: UInt8) -> (length: Int, second: ClosedRange<UInt8>)? {
        switch lead {
        case 0xC2...0xDF: (2, 0x80...0xBF)
        case 0xE0: (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
        case 0xED: (3, 0x80...0x9F)
        case 0xF0: (4, 0x90...0xBF)
        case 0xF1...0xF3: (4, 0x80...0xBF)
        case 0xF4: (4, 0x80...0x8F)
        default: nil
        }
    }

    /// A hex digit's value, either case (RFC 8259 section 7).
    public static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The offset after the well-formed UTF-8 sequence of two to four bytes at `offset` (Unicode 15,
    /// table 3-7: what String's UTF-8 validation accepts); anything else declines.
    private func utf8SequenceEnd(at offset: Int) throws(JSONWireFallback) -> Int {
        guard let (length, second) = Self.utf8Sequence(leadingWith: byte(at: offset)), second.contains(byte(at: offset + 1)) else {
            throw JSONWireFallback()
        }
        for index in offset + 2..<offset + length where byte(at: index) & 0xC0 != 0x80 { throw JSONWireFallback() }
        return offset + length
    }

    /// The text of string contents already checked by `stringEnd(openingAt:)`.
    private static func unescaped(_ contents: UnsafeRawBufferPointer) -> String {
        let escapes = JSONWireReader(contents)
        var text: [UInt8] = []
        text.reserveCapacity(contents.count)
        var offset = 0
        while offset < contents.count {
            let byte = contents[offset]
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                offset += 1
                continue
            }
            switch contents[offset + 1] {
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                text.append(contentsOf: String(Unicode.Scalar(escapes.hexCode(at: offset + 2)!)!).utf8)
                offset += 6
                continue
            case let escaped: text.append(escaped)
            }
            offset += 2
        }
        return String(decoding: text, as: UTF8.self)
    }
}
