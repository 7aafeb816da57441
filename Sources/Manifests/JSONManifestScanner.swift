import ClusterModel
import Foundation

/// Where the objects of a JSON manifest are, found in one pass over its bytes so that each can be decoded
/// on its own: the elements of `items` when the document is a `List` (its `kind` ends in "List", as
/// `ManifestReader.parse` decides), else the whole document.
///
/// The pass checks the whole JSON grammar (RFC 8259) and UTF-8, so `JSONDecoder` accepts every object it
/// finds. It gives nil, and the file is read as YAML as before, wherever the YAML path could read the text
/// differently: characters libyaml refuses (reader.c, yaml_parser_update_buffer: "control characters are
/// not allowed"), keys near the length a YAML simple key may have (1024 characters, scanner.c,
/// yaml_parser_stale_simple_keys), nesting past `maximumDepth`, escaped surrogates, an escaped top-level key, duplicate
/// keys (JSONDecoder keeps the first, a YAML mapping the last: JSONDecoder.swift, KeyedContainer.stringify),
/// and numbers other than integers of up to 18 digits (YAML's resolver makes doubles of them first).
public struct JSONManifestLayout: Equatable, Sendable {
    /// Byte ranges of the objects, in order.
    public var objects: [Range<Int>]
    /// True when `objects` are a `List`'s items.
    public var isList: Bool
}

public enum JSONManifestScanner {
    /// JSONDecoder refuses documents nested deeper than 512; staying well below keeps every object decodable.
    static let maximumDepth = 256
    /// Below libyaml's 1024 characters for a simple key.
    static let maximumKeyLength = 1000

    /// `item` is told each element of a top-level `items` array as soon as it is found, before the
    /// document is known to be a List or the scan to succeed, so that decoding can start early.
    public static func scan(_ bytes: UnsafeRawBufferPointer, item: (Range<Int>) -> Void = { _ in }) -> JSONManifestLayout? {
        var scanner = Scanner(bytes: bytes.bindMemory(to: UInt8.self))
        return scanner.document(item: item)
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        var depth = 0
        /// The keys seen so far in the object open at each depth.
        var keys: [[Range<Int>]] = []
        /// Set by what the YAML path reads differently.
        var needsYAML = false

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func document(item: (Range<Int>) -> Void) -> JSONManifestLayout? {
            skipWhitespace()
            let start = position
            var kind: Range<Int>?, items: [Range<Int>] = []
            guard peek == UInt8(ascii: "{") ? topLevelObject(kind: &kind, items: &items, item: item) : value() else { return nil }
            let end = position
            skipWhitespace()
            guard position == bytes.count, !needsYAML else { return nil }
            if let kind, kind.count >= 4, equals(kind.upperBound - 4..<kind.upperBound, "List") {
                return JSONManifestLayout(objects: items, isList: true)
            }
            return JSONManifestLayout(objects: [start..<end], isList: false)
        }

        /// The document's own members; the last `kind` and the last `items` count, as in a YAML mapping.
        private mutating func topLevelObject(kind: inout Range<Int>?, items: inout [Range<Int>], item: (Range<Int>) -> Void) -> Bool {
            members { scanner, key in
                guard !scanner.contains(key, UInt8(ascii: "\\")) else { return false }
                let valueStart = scanner.position
                if scanner.equals(key, "items") {
                    items = []
                    guard scanner.peek == UInt8(ascii: "[") else { return scanner.value() }
                    return scanner.elements { scanner in
                        let start = scanner.position
                        guard scanner.value() else { return false }
                        items.append(start..<scanner.position)
                        item(start..<scanner.position)
                        return true
                    }
                }
                guard scanner.value() else { return false }
                if scanner.equals(key, "kind") {
                    kind = scanner.bytes[valueStart] == UInt8(ascii: "\"") ? valueStart + 1..<scanner.position - 1 : nil
                    if let kind, scanner.contains(kind, UInt8(ascii: "\\")) { return false }
                }
                return true
            }
        }

        private mutating func value() -> Bool {
            guard let byte = peek else { return false }
            switch byte {
            case UInt8(ascii: "{"): return members { scanner, _ in scanner.value() }
            case UInt8(ascii: "["): return elements { scanner in scanner.value() }
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        /// An object: `member` reads the value after each key and colon.
        private mutating func members(_ member: (inout Scanner, Range<Int>) -> Bool) -> Bool {
            guard enter() else { return false }
            while keys.count < depth { keys.append([]) }
            keys[depth - 1].removeAll(keepingCapacity: true)
            if take(UInt8(ascii: "}")) { depth -= 1; return true }
            while true {
                guard let key = string(), key.count <= JSONManifestScanner.maximumKeyLength else { return false }
                if keys[depth - 1].contains(where: { sameKey($0, key) }) { needsYAML = true }
                keys[depth - 1].append(key)
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard member(&self, key) else { return false }
                skipWhitespace()
                if take(UInt8(ascii: "}")) { depth -= 1; return true }
                guard take(UInt8(ascii: ",")) else { return false }
                skipWhitespace()
            }
        }

        /// An array: `element` reads each element.
        private mutating func elements(_ element: (inout Scanner) -> Bool) -> Bool {
            guard enter() else { return false }
            if take(UInt8(ascii: "]")) { depth -= 1; return true }
            while true {
                guard element(&self) else { return false }
                skipWhitespace()
                if take(UInt8(ascii: "]")) { depth -= 1; return true }
                guard take(UInt8(ascii: ",")) else { return false }
                skipWhitespace()
            }
        }

        /// Steps over an opening bracket and the blanks after it.
        private mutating func enter() -> Bool {
            depth += 1
            guard depth <= JSONManifestScanner.maximumDepth else { return false }
            position += 1
            skipWhitespace()
            return true
        }

        /// The string's contents (between the quotes), escapes checked but not resolved.
        private mutating func string() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    position += 1
                    return start..<position - 1
                case UInt8(ascii: "\\"):
                    guard escape() else { return nil }
                case 0..<0x20, 0x7F:
                    return nil
                case 0x80...:
                    guard utf8Sequence() else { return nil }
                default:
                    position += 1
                }
            }
            return nil
        }

        private mutating func escape() -> Bool {
            guard position + 1 < bytes.count else { return false }
            switch bytes[position + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position += 2
                return true
            case UInt8(ascii: "u"):
                guard position + 6 <= bytes.count else { return false }
                var code: UInt32 = 0
                for byte in bytes[position + 2..<position + 6] {
                    guard let digit = hexValue(byte) else { return false }
                    code = code << 4 | digit
                }
                if (0xD800...0xDFFF).contains(code) { needsYAML = true }
                position += 6
                return true
            default:
                return false
            }
        }

        /// One well-formed UTF-8 sequence of two to four bytes (Unicode 15, table 3-7) that libyaml allows.
        private mutating func utf8Sequence() -> Bool {
            let lead = bytes[position]
            guard let (length, second) = JSONWireReader.utf8Sequence(leadingWith: lead) else { return false }
            guard position + length <= bytes.count, second.contains(bytes[position + 1]),
                  (position + 2..<position + length).allSatisfy({ (0x80...0xBF).contains(bytes[$0]) }) else { return false }
            // C1 controls other than NEL (U+0085), and U+FFFE and U+FFFF, which libyaml refuses.
            if lead == 0xC2, bytes[position + 1] < 0xA0, bytes[position + 1] != 0x85 { return false }
            if lead == 0xEF, bytes[position + 1] == 0xBF, bytes[position + 2] >= 0xBE { return false }
            position += length
            return true
        }

        /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; anything but an integer of up to 18 digits
        /// (any Int) needs YAML's typing.
        private mutating func number() -> Bool {
            let start = position
            let negative = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                if negative { needsYAML = true }
                if peek?.isDigit == true { return false }
            } else if !digits() { return false }
            if position - start - (negative ? 1 : 0) > 18 { needsYAML = true }
            if take(UInt8(ascii: ".")) {
                needsYAML = true
                guard digits() else { return false }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                needsYAML = true
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() else { return false }
            }
            return true
        }

        /// One or more.
        private mutating func digits() -> Bool {
            let start = position
            while peek?.isDigit == true { position += 1 }
            return position > start
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let end = position + word.utf8CodeUnitCount
            guard end <= bytes.count, equals(position..<end, word) else { return false }
            position = end
            return true
        }

        private mutating func skipWhitespace() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t") {
                position += 1
            }
        }

        private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        private func contains(_ range: Range<Int>, _ byte: UInt8) -> Bool { range.contains { bytes[$0] == byte } }

        private func equals(_ range: Range<Int>, _ other: Range<Int>) -> Bool {
            range.count == other.count && memcmp(bytes.baseAddress! + range.lowerBound, bytes.baseAddress! + other.lowerBound, range.count) == 0
        }

        /// Keys are the same when their unescaped texts are (JSONSerialization writes "/" as "\\/").
        private func sameKey(_ one: Range<Int>, _ other: Range<Int>) -> Bool {
            guard contains(one, UInt8(ascii: "\\")) || contains(other, UInt8(ascii: "\\")) else { return equals(one, other) }
            return unescaped(one) == unescaped(other)
        }

        /// A string's contents with its escapes resolved (already checked by `escape()`); surrogates,
        /// which send the file to YAML anyway, stay escaped.
        private func unescaped(_ range: Range<Int>) -> [UInt8] {
            var text: [UInt8] = [], index = range.lowerBound
            while index < range.upperBound {
                guard bytes[index] == UInt8(ascii: "\\") else {
                    text.append(bytes[index])
                    index += 1
                    continue
                }
                let escaped = bytes[index + 1]
                switch escaped {
                case UInt8(ascii: "u"):
                    let code = bytes[index + 2..<index + 6].reduce(UInt32(0)) { $0 << 4 | hexValue($1)! }
                    if let scalar = Unicode.Scalar(code) { text += Array(String(Character(scalar)).utf8) } else { text += bytes[index..<index + 6] }
                    index += 6
                    continue
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                default: text.append(escaped)
                }
                index += 2
            }
            return text
        }

        private func equals(_ range: Range<Int>, _ text: StaticString) -> Bool {
            range.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, text.utf8Start, range.count) == 0
        }

        private func hexValue(_ byte: UInt8) -> UInt32? { JSONWireReader.hexDigit(byte) }
    }
}

private extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
