import Foundation
import Yams

/// Decodes a YAML node into the typed objects directly, as `JSONDecoder` decodes the JSON that kubectl
/// would send for it (sigs.k8s.io/yaml converts YAML to JSON first): each scalar is typed by its resolved
/// tag (`YAMLValue`), mapping keys merge as `<<` says, and every error is the `DecodingError` JSONDecoder
/// throws for that JSON, with the same description and coding path (swift-foundation
/// Sources/FoundationEssentials/JSON/JSONDecoder.swift: JSONDecoderImpl, its KeyedContainer and
/// UnkeyedContainer), so that messages read the same whichever way a manifest is written.
/// Yams' own YAMLDecoder reads every scalar as whatever type is asked for ("true" as a String, "0x50"
/// as an Int), which kubectl does not.
struct NodeDecoder: Decoder {
    let node: Node
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch YAMLValue(node) {
        case .mapping(let mapping): return KeyedDecodingContainer(KeyedContainer(fields: YAMLValue.fields(of: mapping), codingPath: codingPath))
        case .null:
            throw DecodingError.valueNotFound([String: Any].self, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        case let value:
            throw typeMismatch([String: Any].self, value)
        }
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        switch YAMLValue(node) {
        case .sequence(let sequence): return UnkeyedContainer(elements: sequence, codingPath: codingPath)
        case .null:
            throw DecodingError.valueNotFound([Any].self, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        case let value:
            throw typeMismatch([Any].self, value)
        }
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    private func typeMismatch(_ type: Any.Type, _ value: YAMLValue) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(
            codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(value.typeDescription) instead."))
    }

    /// JSONDecoder's unwrap: Bool only from a bool; String and numbers refuse null first; other types
    /// decode themselves.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        let value = YAMLValue(node)
        if type == Bool.self {
            guard case .bool(let bool) = value else { throw typeMismatch(type, value) }
            return bool as! T
        }
        guard type == String.self || type is any Numeric.Type else { return try T(from: self) }
        if case .null = value {
            throw DecodingError.valueNotFound(type, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        switch value {
        case .string(let string) where type == String.self: return string as! T
        case .int(let int) where type == Int.self: return int as! T
        // What main did for every number: JSONEncoder writes it, JSONDecoder reads it as T (rounding,
        // range and "not representable" errors included).
        case .int(let int) where type != String.self: return try JSONDecoder().decode(type, from: JSONEncoder().encode(int))
        case .double(let double) where type != String.self: return try JSONDecoder().decode(type, from: JSONEncoder().encode(double))
        default: throw typeMismatch(type, value)
        }
    }
}

extension NodeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool {
        if case .null = YAMLValue(node) { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decodeValue(type) }
    func decode(_ type: String.Type) throws -> String { try decodeValue(type) }
    func decode(_ type: Double.Type) throws -> Double { try decodeValue(type) }
    func decode(_ type: Float.Type) throws -> Float { try decodeValue(type) }
    func decode(_ type: Int.Type) throws -> Int { try decodeValue(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeValue(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeValue(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeValue(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeValue(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeValue(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeValue(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeValue(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeValue(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeValue(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}

extension NodeDecoder {
    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let fields: [String: Node]
        let codingPath: [CodingKey]

        var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

        private func decoder(for key: Key) throws -> NodeDecoder {
            guard let value = fields[key.stringValue] else {
                throw DecodingError.keyNotFound(key, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
            }
            return NodeDecoder(node: value, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool { try decoder(for: key).decodeNil() }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(for: key).decodeValue(type) }

        /// Absent and null are both nil, as in JSONDecoder.
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let value = fields[key.stringValue] else { return nil }
            let decoder = NodeDecoder(node: value, codingPath: codingPath + [key])
            return decoder.decodeNil() ? nil : try decoder.decodeValue(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder(for: key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try decoder(for: key).unkeyedContainer() }

        func superDecoder() throws -> Decoder { NodeDecoder(node: fields["super"] ?? Node("~"), codingPath: codingPath + [IndexKey.super]) }

        func superDecoder(forKey key: Key) throws -> Decoder { NodeDecoder(node: fields[key.stringValue] ?? Node("~"), codingPath: codingPath + [key]) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let elements: Node.Sequence
        let codingPath: [CodingKey]
        var currentIndex = 0

        init(elements: Node.Sequence, codingPath: [CodingKey]) {
            self.elements = elements
            self.codingPath = codingPath
        }

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private func next(_ type: Any.Type, atEnd message: String = "Unkeyed container is at end.") throws -> NodeDecoder {
            let path = codingPath + [IndexKey(index: currentIndex)]
            guard !isAtEnd else { throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: path, debugDescription: message)) }
            return NodeDecoder(node: elements[currentIndex], codingPath: path)
        }

        mutating func decodeNil() throws -> Bool {
            guard try next(Never.self).decodeNil() else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let value = try next(type).decodeValue(type)
            currentIndex += 1
            return value
        }

        mutating func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
            defer { currentIndex += 1 }
            guard !isAtEnd, !(try next(type).decodeNil()) else { return nil }
            return try next(type).decodeValue(type)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let container = try next(KeyedDecodingContainer<NestedKey>.self).container(keyedBy: type)
            currentIndex += 1
            return container
        }

        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
            let container = try next(UnkeyedDecodingContainer.self, atEnd: "Cannot get nested unkeyed container -- unkeyed container is at end.")
                .unkeyedContainer()
            currentIndex += 1
            return container
        }

        mutating func superDecoder() throws -> Decoder {
            let decoder = try next(Decoder.self, atEnd: "Cannot get superDecoder() -- unkeyed container is at end.")
            currentIndex += 1
            return decoder
        }
    }

    /// JSONDecoder's key for array elements: `intValue` set, so messages print `[i]`.
    struct IndexKey: CodingKey {
        var stringValue: String
        var intValue: Int?

        init(index: Int) { (stringValue, intValue) = ("Index \(index)", index) }
        init?(stringValue: String) { (self.stringValue, intValue) = (stringValue, nil) }
        init?(intValue: Int) { (stringValue, self.intValue) = ("\(intValue)", intValue) }

        static let `super` = IndexKey(stringValue: "super")!
    }
}
