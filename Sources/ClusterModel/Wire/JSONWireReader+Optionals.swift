/// The shapes of the wire types' members: optionals (absent or null is nil, as `decodeIfPresent` reads
/// them), arrays and string maps.
extension JSONWireReader {
    public mutating func read<T: JSONWireReadable>(_: T.Type = T.self) throws(JSONWireFallback) -> T {
        try T(reading: &self)
    }

    public mutating func readOptional<T: JSONWireReadable>(_: T.Type = T.self) throws(JSONWireFallback) -> T? {
        try consumeNull() ? nil : T(reading: &self)
    }

    public mutating func readOptionalString() throws(JSONWireFallback) -> String? {
        try consumeNull() ? nil : readString()
    }

    public mutating func readOptionalInt() throws(JSONWireFallback) -> Int? {
        try consumeNull() ? nil : readInt()
    }

    public mutating func readOptionalBool() throws(JSONWireFallback) -> Bool? {
        try consumeNull() ? nil : readBool()
    }

    /// An array's elements, each read by `element`; a null element declines with the element's reader.
    public mutating func readArray<T>(of element: (inout JSONWireReader) throws(JSONWireFallback) -> T) throws(JSONWireFallback) -> [T] {
        var values: [T] = []
        try readArray { reader throws(JSONWireFallback) in values.append(try element(&reader)) }
        return values
    }

    public mutating func readOptionalArray<T: JSONWireReadable>(of _: T.Type = T.self) throws(JSONWireFallback) -> [T]? {
        try consumeNull() ? nil : readArray { reader throws(JSONWireFallback) in try T(reading: &reader) }
    }

    public mutating func readOptionalStrings() throws(JSONWireFallback) -> [String]? {
        try consumeNull() ? nil : readArray { reader throws(JSONWireFallback) in try reader.readString() }
    }

    /// A `[String: String]`, as Dictionary's `init(from:)` fills one from a keyed container; a repeated key
    /// declines (JSONDecoder would keep the first).
    public mutating func readOptionalStringMap() throws(JSONWireFallback) -> [String: String]? {
        guard try !consumeNull() else { return nil }
        var map: [String: String] = [:]
        try readObject { reader, key throws(JSONWireFallback) in
            guard map.updateValue(try reader.readString(), forKey: key.text) == nil else { throw JSONWireFallback() }
        }
        return map
    }
}
