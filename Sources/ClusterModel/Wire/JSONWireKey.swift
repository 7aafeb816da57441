/// A member's key as it appears between the quotes, compared with string literals without allocating.
/// The reader hands over only keys without escapes and of ASCII bytes (it declines others), so bytewise
/// equality is the equality of the Strings JSONDecoder compares with the coding keys.
public struct JSONWireKey {
    public let bytes: UnsafeRawBufferPointer

    /// Always inlined: a member's `switch` compares its key with each declared name in turn, and a call
    /// per comparison cost more than the comparison, which mostly ends at the length.
    @inlinable @inline(__always)
    public static func ~= (pattern: StaticString, key: JSONWireKey) -> Bool {
        key == pattern
    }

    @inlinable @inline(__always)
    public static func == (key: JSONWireKey, text: StaticString) -> Bool {
        guard text.utf8CodeUnitCount == key.bytes.count else { return false }
        let literal = text.utf8Start
        for index in 0..<key.bytes.count where literal[index] != key.bytes[index] { return false }
        return true
    }

    /// The key as text, for maps and messages.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
