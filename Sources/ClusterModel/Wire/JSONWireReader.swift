/// Reads JSON bytes in one pass, for the typed readers. Any input it does not read exactly as
/// JSONDecoder would (a type it does not expect, an escaped key, a duplicate key, a number that is not
/// a plain integer, bad UTF-8, a syntax error, nesting too deep) throws `JSONWireFallback`: the caller
/// then decodes the same bytes with JSONDecoder, the exact path, which gives today's value or message.
///
/// It accepts only RFC 8259 JSON in UTF-8 without a byte order mark, skipped members included, so that
/// JSONDecoder, which scans the whole text before decoding (swift-foundation JSONScanner.swift, `scan()`),
/// accepts whatever it accepts. Each value is read where the reader stands (never on blanks) and the
/// blanks after it are stepped over.
public struct JSONWireReader {
    /// Deeper nesting declines; JSONDecoder refuses 512 levels (JSONScanner.swift, scanArray, scanObject).
    static let maximumDepth = 256

    let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    public internal(set) var position = 0
    var depth = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        skipWhitespace()
    }

    /// The byte at `offset`, 0 past the end: a NUL is never valid JSON outside strings, and inside them
    /// it is an unescaped control character, so every reader refuses it.
    @inline(__always)
    func byte(at offset: Int) -> UInt8 { offset < bytes.count ? bytes[offset] : 0 }

    /// The byte where the reader stands.
    @inline(__always)
    var current: UInt8 { byte(at: position) }

    /// Only blanks remain.
    public func readEnd() throws(JSONWireFallback) {
        guard position == bytes.count else { throw JSONWireFallback() }
    }

    /// An object: `member` reads (or skips) the value of each member, in order. Keys with escapes or
    /// bytes other than ASCII decline, so that a key matches a coding key exactly when its bytes do.
    public mutating func readObject(_ member: (inout JSONWireReader, JSONWireKey) throws(JSONWireFallback) -> Void) throws(JSONWireFallback) {
        try enter(UInt8(ascii: "{"))
        if take(UInt8(ascii: "}")) { return leave() }
        while true {
            guard current == UInt8(ascii: "\"") else { throw JSONWireFallback() }
            let key = try scanPlainKey()
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { throw JSONWireFallback() }
            try member(&self, JSONWireKey(bytes: UnsafeRawBufferPointer(rebasing: bytes[key])))
            if take(UInt8(ascii: "}")) { return leave() }
            guard take(UInt8(ascii: ",")) else { throw JSONWireFallback() }
        }
    }

    /// An array: `element` reads (or skips) each element, in order.
    public mutating func readArray(_ element: (inout JSONWireReader) throws(JSONWireFallback) -> Void) throws(JSONWireFallback) {
        try enter(UInt8(ascii: "["))
        if take(UInt8(ascii: "]")) { return leave() }
        while true {
            try element(&self)
            if take(UInt8(ascii: "]")) { return leave() }
            guard take(UInt8(ascii: ",")) else { throw JSONWireFallback() }
        }
    }

    /// A key of printable ASCII without escapes (its contents); anything else declines.
    private mutating func scanPlainKey() throws(JSONWireFallback) -> Range<Int> {
        let start = position + 1
        var offset = start
        while true {
            // Eight bytes at a time up to the first that is not plain: the quote, or a byte that declines.
            offset = plainRunEnd(from: offset)
            let byte = byte(at: offset)
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { throw JSONWireFallback() }
            offset += 1
        }
        position = offset + 1
        return start..<offset
    }

    /// Steps into an object or array, past its opening bracket and the blanks after it.
    private mutating func enter(_ bracket: UInt8) throws(JSONWireFallback) {
        guard current == bracket, depth < Self.maximumDepth else { throw JSONWireFallback() }
        depth += 1
        position += 1
        skipWhitespace()
    }

    private mutating func leave() { depth -= 1 }

    /// Steps over `byte` and the blanks after it, if `byte` is next.
    @inline(__always)
    mutating func take(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        skipWhitespace()
        return true
    }

    @inline(__always)
    mutating func skipWhitespace() { position = blanksEnd(from: position) }

    /// The offset of the first byte from `offset` on that is not a blank.
    @inline(__always)
    func blanksEnd(from offset: Int) -> Int {
        var offset = offset
        // Compact JSON has no blanks: one test for any byte above the space.
        while case let byte = byte(at: offset), byte <= UInt8(ascii: " "), Self.isWhitespace(byte) { offset += 1 }
        return offset
    }

    /// JSON's four blanks (RFC 8259 section 2; JSONScanner.swift, `whitespaceBitmap`).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
