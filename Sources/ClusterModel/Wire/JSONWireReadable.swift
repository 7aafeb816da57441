/// The reader declined: the caller decodes the same bytes with `JSONDecoder`, which gives today's value
/// or today's message.
public struct JSONWireFallback: Error {
    public init() {}
}

/// A wire type that `JSONWireReader` fills directly, exactly as its `Decodable` conformance would from
/// the same bytes, or declines.
public protocol JSONWireReadable: Sendable {
    init(reading reader: inout JSONWireReader) throws(JSONWireFallback)
}

extension JSONWireReadable {
    /// The value when the fast path reads the whole of `bytes` (one JSON value, whitespace around it);
    /// nil when the caller must use JSONDecoder.
    public static func readJSON(_ bytes: UnsafeRawBufferPointer) -> Self? {
        var reader = JSONWireReader(bytes)
        do {
            let value = try Self(reading: &reader)
            try reader.readEnd()
            return value
        } catch {
            return nil
        }
    }
}

extension Optional {
    /// Keeps a declared member's value, read once. For a repeated key JSONDecoder keeps the first
    /// (swift-foundation JSONDecoder.swift, KeyedContainer.stringify: `_setIfNil`); the fast path declines.
    /// A member that may be null is read as `Value?`, so `self` is `Value??`: absent stays apart from null.
    @inlinable
    public mutating func setOnce(_ value: Wrapped) throws(JSONWireFallback) {
        guard case .none = self else { throw JSONWireFallback() }
        self = .some(value)
    }
}
