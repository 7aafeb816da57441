import CYaml
import Yams

/// Where an object stands in a YAML file: its document (from 1) and, in a List, its index in `items`.
struct YAMLObjectPlace: Equatable, Sendable {
    var document: Int
    var item: Int?
}

/// The file holds something the transcoder cannot say in JSON exactly as today's path reads it.
struct YAMLTranscodingDeclined: Error {}

/// Writes each Kubernetes object of a YAML stream as compact JSON straight from libyaml's events, so that
/// JSONDecoder reads what `NodeDecoder` reads from the node Yams composes: every scalar typed as
/// `YAMLValue` types it (quoted and block scalars are strings, as Yams tags them, Parser.swift
/// Event.scalarTag; plain ones by `ScalarTagResolver`). A document is one object, or, when its `kind` ends
/// in `List`, each item of its `items` is one. Objects are written back to back into batches
/// (`YAMLJSONBatch`), handed on as each fills.
///
/// Declines, for today's path to read the file, whatever JSON would not say the same way or where
/// today's path reads more into the text: anchors and aliases (and with them the alias budget), explicit
/// tags, keys that are not plain ASCII strings (merge keys `<<` included), a key written twice, floats and
/// integers other than plain decimals, a `kind` or `apiVersion` that is not a string, a leading BOM in a
/// scalar, nesting deeper than `maxDepth`, and syntax or encoding errors.
struct YAMLJSONTranscoder {
    static let maxDepth = 100

    private let events: YAMLEventReader
    /// The keys of the mappings being written (their JSON text in the buffer written to), for duplicates.
    private var openKeys: [Range<Int>] = []

    /// `bytes` must outlive the transcoder.
    init(_ bytes: UnsafeRawBufferPointer) {
        events = YAMLEventReader(bytes)
    }

    /// Writes every object, in order, into batches of up to `size` objects, handing each to `full` as it
    /// fills, and the last, if it holds any, at the end. A List's items are written straight into the batch.
    mutating func forEachBatch(of size: Int, _ full: (YAMLJSONBatch) throws(YAMLTranscodingDeclined) -> Void)
        throws(YAMLTranscodingDeclined) {
        guard events.next() == YAML_STREAM_START_EVENT else { throw YAMLTranscodingDeclined() }
        var batch = YAMLJSONBatch()
        var number = 0
        while true {
            switch events.next() {
            case YAML_STREAM_END_EVENT:
                if batch.count > 0 { try full(batch) }
                return
            case YAML_DOCUMENT_START_EVENT:
                number += 1
                try writeDocument(number, into: &batch) { batch throws(YAMLTranscodingDeclined) in
                    guard batch.count == size else { return }
                    try full(batch)
                    batch = YAMLJSONBatch(reservingLike: batch)
                }
            default: throw YAMLTranscodingDeclined()
            }
        }
    }

    /// A document: one object, or a List's items. Today's path takes a List's items wherever `items`
    /// stands (ManifestReader.documents); its other keys are written but not used. `written` is called
    /// after each object added to the batch.
    private mutating func writeDocument(_ number: Int, into batch: inout YAMLJSONBatch,
                                        _ written: (inout YAMLJSONBatch) throws(YAMLTranscodingDeclined) -> Void)
        throws(YAMLTranscodingDeclined) {
        guard events.next() == YAML_MAPPING_START_EVENT, isPlainStart else { throw YAMLTranscodingDeclined() }
        var document: [UInt8] = [UInt8(ascii: "{")]
        var kind: String?
        var itemCount: Int?
        let base = openKeys.count
        while let key = try key(into: &document, keysFrom: base) {
            guard let type = events.next() else { throw YAMLTranscodingDeclined() }
            if document[key].elementsEqual(#""items""#.utf8), type == YAML_SEQUENCE_START_EVENT {
                guard isPlainStart else { throw YAMLTranscodingDeclined() }
                itemCount = try writeItems(of: number, into: &batch, written)
                document.append(contentsOf: "[]".utf8)
                continue
            }
            if let text = try typeField(key, in: document, type), document[key].elementsEqual(#""kind""#.utf8) { kind = text }
            try writeValue(type, into: &document, depth: 1)
        }
        openKeys.removeSubrange(base...)
        document.append(UInt8(ascii: "}"))
        guard events.next() == YAML_DOCUMENT_END_EVENT else { throw YAMLTranscodingDeclined() }
        // A List without a sequence of items has none (`lookup("items")?.sequence ?? []`).
        if kind?.hasSuffix("List") == true { return }
        guard itemCount == nil else { throw YAMLTranscodingDeclined() }
        let start = batch.json.count
        batch.json.append(contentsOf: document)
        batch.add(from: start, at: YAMLObjectPlace(document: number, item: nil))
        try written(&batch)
    }

    /// Each item of `items` as an object; returns how many.
    private mutating func writeItems(of number: Int, into batch: inout YAMLJSONBatch,
                                     _ written: (inout YAMLJSONBatch) throws(YAMLTranscodingDeclined) -> Void)
        throws(YAMLTranscodingDeclined) -> Int {
        var index = 0
        while true {
            switch events.next() {
            case YAML_SEQUENCE_END_EVENT: return index
            case YAML_MAPPING_START_EVENT:
                guard isPlainStart else { throw YAMLTranscodingDeclined() }
                let start = batch.json.count
                try writeMapping(into: &batch.json, depth: 2, isObject: true)
                batch.add(from: start, at: YAMLObjectPlace(document: number, item: index))
                try written(&batch)
                index += 1
            // Not a mapping: today's path names the item in its message.
            default: throw YAMLTranscodingDeclined()
            }
        }
    }

    private mutating func writeValue(_ type: yaml_event_type_t, into out: inout [UInt8], depth: Int) throws(YAMLTranscodingDeclined) {
        switch type {
        case YAML_SCALAR_EVENT: try writeScalar(into: &out)
        case YAML_MAPPING_START_EVENT where depth < Self.maxDepth && isPlainStart:
            try writeMapping(into: &out, depth: depth + 1, isObject: false)
        case YAML_SEQUENCE_START_EVENT where depth < Self.maxDepth && isPlainStart:
            out.append(UInt8(ascii: "["))
            var first = true
            while true {
                guard let type = events.next() else { throw YAMLTranscodingDeclined() }
                if type == YAML_SEQUENCE_END_EVENT { break }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                try writeValue(type, into: &out, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        // An alias.
        default: throw YAMLTranscodingDeclined()
        }
    }

    /// A mapping, whose start event was just read. In an object's own mapping, `kind` and `apiVersion`
    /// must be strings: today's path reads any scalar's text there (`YAMLValue.text`), JSON only strings.
    private mutating func writeMapping(into out: inout [UInt8], depth: Int, isObject: Bool) throws(YAMLTranscodingDeclined) {
        out.append(UInt8(ascii: "{"))
        let base = openKeys.count
        while let key = try key(into: &out, keysFrom: base) {
            guard let type = events.next() else { throw YAMLTranscodingDeclined() }
            if isObject { _ = try typeField(key, in: out, type) }
            try writeValue(type, into: &out, depth: depth)
        }
        openKeys.removeSubrange(base...)
        out.append(UInt8(ascii: "}"))
    }

    /// The text of `kind` or `apiVersion` (nil for other keys), declining when it is not a string.
    private func typeField(_ key: Range<Int>, in out: [UInt8], _ type: yaml_event_type_t) throws(YAMLTranscodingDeclined) -> String? {
        guard out[key].elementsEqual(#""kind""#.utf8) || out[key].elementsEqual(#""apiVersion""#.utf8) else { return nil }
        guard type == YAML_SCALAR_EVENT, try scalarType() == .string else { throw YAMLTranscodingDeclined() }
        return String(decoding: scalarBytes, as: UTF8.self)
    }

    /// Reads the next key of a mapping and writes `"key":` (after a comma but for the first); nil at the
    /// mapping's end. Returns where the key's JSON string stands in `out`.
    private mutating func key(into out: inout [UInt8], keysFrom base: Int) throws(YAMLTranscodingDeclined) -> Range<Int>? {
        switch events.next() {
        case YAML_MAPPING_END_EVENT: return nil
        // Only ASCII: Swift compares String keys by canonical equivalence ("\u{212A}" is "K"), bytes do not.
        case YAML_SCALAR_EVENT where try scalarType() == .string && scalarBytes.allSatisfy({ $0 < 0x80 }):
            if openKeys.count > base { out.append(UInt8(ascii: ",")) }
            let start = out.count
            Self.writeString(scalarBytes, into: &out)
            let key = start..<out.count
            guard !openKeys[base...].contains(where: { $0.count == key.count && out[$0].elementsEqual(out[key]) }) else { throw YAMLTranscodingDeclined() }
            openKeys.append(key)
            out.append(UInt8(ascii: ":"))
            return key
        default: throw YAMLTranscodingDeclined()
        }
    }

    private enum ScalarType: Equatable {
        case string, null, number
        case bool(Bool)
    }

    private var scalarBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: events.event.pointee.data.scalar.value, count: events.event.pointee.data.scalar.length)
    }

    /// The scalar event's type as `YAMLValue` gives it.
    private func scalarType() throws(YAMLTranscodingDeclined) -> ScalarType {
        let scalar = events.event.pointee.data.scalar
        let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
        // Yams makes the value a String through Foundation (Event.scalarValue), which may drop a BOM.
        guard scalar.anchor == nil, scalar.tag == nil, !Self.startsWithByteOrderMark(bytes) else { throw YAMLTranscodingDeclined() }
        // A quoted or block scalar: Yams tags it str (Event.scalarTag).
        if scalar.quoted_implicit == 1 { return .string }
        switch ScalarTagResolver.rule(of: bytes) {
        case .null: return .null
        // Bool.construct (Yams Constructor.swift) lowercases: true, yes and on are true; the resolver
        // passes only those and false, no, off in three casings.
        case .bool:
            let first = bytes[0] | 0x20
            return .bool(first == UInt8(ascii: "t") || first == UInt8(ascii: "y") || (first == UInt8(ascii: "o") && bytes.count == 2))
        case .int where Self.isPlainDecimal(bytes): return .number
        case .int, .float: throw YAMLTranscodingDeclined()
        // str, and the timestamp, merge and value tags, which YAMLValue reads as strings.
        default: return .string
        }
    }

    private static func startsWithByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    private func writeScalar(into out: inout [UInt8]) throws(YAMLTranscodingDeclined) {
        switch try scalarType() {
        case .string: Self.writeString(scalarBytes, into: &out)
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .number: out.append(contentsOf: scalarBytes)
        }
    }

    /// 0 or an optional minus and up to 18 digits without a leading zero: the same Int for Yams'
    /// Int.construct and for JSON.
    private static func isPlainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let digits = bytes.first == UInt8(ascii: "-") ? UnsafeBufferPointer(rebasing: bytes.dropFirst()) : bytes
        guard let first = digits.first, digits.count <= 18, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return false }
        return first != UInt8(ascii: "0") || bytes.count == 1
    }

    /// A JSON string of UTF-8 text: quote, backslash and control characters escaped.
    static func writeString(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var clean = 0
        for index in bytes.indices where bytes[index] < 0x20 || bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "\\") {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean..<index]))
            let byte = bytes[index]
            if byte < 0x20 {
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            } else {
                out.append(contentsOf: [UInt8(ascii: "\\"), byte])
            }
            clean = index + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[clean...]))
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A mapping or sequence start event without anchor or tag (Yams ignores the implicit tags).
    private var isPlainStart: Bool {
        let event = events.event
        return switch event.pointee.type {
        case YAML_MAPPING_START_EVENT: event.pointee.data.mapping_start.anchor == nil && event.pointee.data.mapping_start.tag == nil
        case YAML_SEQUENCE_START_EVENT: event.pointee.data.sequence_start.anchor == nil && event.pointee.data.sequence_start.tag == nil
        default: false
        }
    }
}

/// Objects' JSON texts back to back, each with where it stands in the file: what the transcoder hands on.
struct YAMLJSONBatch: Sendable {
    var json: [UInt8] = []
    var ranges: [Range<Int>] = []
    var places: [YAMLObjectPlace] = []

    var count: Int { places.count }

    init() {}

    /// An empty batch with room for as much as `other` held, so that filling it does not grow it step by step.
    init(reservingLike other: YAMLJSONBatch) {
        json.reserveCapacity(other.json.count)
        ranges.reserveCapacity(other.count)
        places.reserveCapacity(other.count)
    }

    /// The object written to `json` from `start` to its end.
    mutating func add(from start: Int, at place: YAMLObjectPlace) {
        ranges.append(start..<json.count)
        places.append(place)
    }
}
