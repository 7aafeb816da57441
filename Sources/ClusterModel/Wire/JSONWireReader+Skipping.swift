/// Skipping the members a wire type does not declare (managedFields, annotations, most of status):
/// one loop over the bytes, without recursion or closures, that keeps the open brackets in a bit stack.
extension JSONWireReader {
    /// Steps over any value and the blanks after it, with the checks the typed readers make: RFC 8259
    /// syntax without trailing commas, escapes, control characters and UTF-8 in strings (keys
    /// included), and the nesting limit counted from where the reader stands.
    ///
    /// That is at least what JSONDecoder checks before it decodes anything: its scanner reads the whole
    /// text once (swift-foundation JSONScanner.swift, `scan()`: scanValue, scanArray, scanObject with
    /// the 512-level limit, DocumentReader.skipUTF8StringTillNextUnescapedQuote, skipNumber), and
    /// leaves escapes, control characters and number syntax of the values it never decodes unchecked.
    /// Whatever passes here passes there; anything that fails here declines.
    public mutating func skipValue() throws(JSONWireFallback) {
        var offset = position
        var nesting = JSONWireNesting()
        // `offset` is at a member's key (else at a value): keys are read here alone, so that the
        // string scan is inlined in this loop instead of called for each of them.
        var atKey = false
        while true {
            if atKey {
                guard byte(at: offset) == UInt8(ascii: "\"") else { throw JSONWireFallback() }
                let colon = blanksEnd(from: try stringEnd(openingAt: offset).end &+ 1)
                guard byte(at: colon) == UInt8(ascii: ":") else { throw JSONWireFallback() }
                offset = blanksEnd(from: colon &+ 1)
                atKey = false
            }
            // A value starts at `offset`.
            switch byte(at: offset) {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth &+ nesting.count < Self.maximumDepth else { throw JSONWireFallback() }
                let object = byte(at: offset) == UInt8(ascii: "{")
                nesting.open(object: object)
                offset = blanksEnd(from: offset &+ 1)
                if byte(at: offset) == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    nesting.close()
                    offset = blanksEnd(from: offset &+ 1)
                } else {
                    atKey = object
                    continue
                }
            case UInt8(ascii: "\""): offset = blanksEnd(from: try stringEnd(openingAt: offset).end &+ 1)
            case UInt8(ascii: "t"): offset = blanksEnd(from: try literalEnd("true", at: offset))
            case UInt8(ascii: "f"): offset = blanksEnd(from: try literalEnd("false", at: offset))
            case UInt8(ascii: "n"): offset = blanksEnd(from: try literalEnd("null", at: offset))
            default: offset = blanksEnd(from: try numberEnd(from: offset))
            }
            // A value ended: close brackets until a comma starts the next value, or nothing is open.
            while true {
                guard let object = nesting.innermostIsObject else {
                    position = offset
                    return
                }
                let byte = byte(at: offset)
                if byte == UInt8(ascii: ",") {
                    offset = blanksEnd(from: offset &+ 1)
                    atKey = object
                    break
                }
                guard byte == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw JSONWireFallback() }
                nesting.close()
                offset = blanksEnd(from: offset &+ 1)
            }
        }
    }
}
