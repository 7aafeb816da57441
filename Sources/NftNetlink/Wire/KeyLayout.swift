import Ruleset

/// How a set key is laid out in registers and element keys. A single field takes its own length; each
/// field of a concatenation starts on a 4-byte register boundary, zero-padded.
struct KeyLayout: Hashable {
    let types: [DataType]
    /// Bytes each field occupies in the key, padding included.
    let fieldStrides: [Int]
    let keyLength: Int

    init(_ types: [DataType]) {
        self.types = types
        fieldStrides = types.count > 1 ? types.map { ($0.byteLength + 3) / 4 * 4 } : types.map(\.byteLength)
        keyLength = fieldStrides.reduce(0, +)
    }

    var isConcatenation: Bool { types.count > 1 }

    /// nft's datatype id: 6 bits per field, the first field highest. The kernel ignores it; nft prints by it.
    var typeID: UInt32 { types.reduce(0) { $0 << 6 | $1.rawValue } }

    static func decode(typeID: UInt32) -> [DataType]? {
        var id = typeID, types: [DataType] = []
        repeat {
            guard let type = DataType(rawValue: id & 0x3f) else { return nil }
            types.insert(type, at: 0)
            id >>= 6
        } while id != 0
        return types
    }

    /// The full key, one key part's low (or high) end per field.
    /// Written in place, one allocation per key: a full apply encodes hundreds of thousands.
    func key(_ parts: SetKey, high: Bool) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: keyLength) { key, count in
            key.initialize(repeating: 0)
            var offset = 0
            for (part, stride) in zip(parts, fieldStrides) {
                KeyCodec.write(part, high: high, to: UnsafeMutableBufferPointer(rebasing: key[offset...]))
                offset += stride
            }
            count = keyLength
        }
    }

    /// Splits keys back into parts, one per field; `high` is the inclusive upper end, or nil for single values.
    func parts(low: [UInt8], high: [UInt8]?) throws(WireDecodingError) -> SetKey {
        guard low.count == keyLength, high.map({ $0.count == keyLength }) ?? true else {
            throw .unexpected("key of \(low.count) bytes for a key of \(keyLength)")
        }
        var parts: [KeyPart] = [], offset = 0
        for (type, stride) in zip(types, fieldStrides) {
            let range = offset..<offset + type.byteLength
            parts.append(try KeyCodec.part(type, low: low[range], high: (high ?? low)[range]))
            offset += stride
        }
        return SetKey(parts)
    }
}
