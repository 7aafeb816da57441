import Yams

/// Resolves the tag of a plain YAML scalar exactly as Yams' `Resolver.default` does (Yams 5.0.1
/// Resolver.swift: the rules bool, int, float, merge, null, timestamp, value, tried in that order, else
/// str), without its regular expressions, which cost microseconds per scalar. The rules' regular
/// expressions are quoted above each matcher; `$` also matches before a line break that ends the text,
/// as in ICU.
enum ScalarTagResolver {
    /// The rule that tags a plain scalar. A `Tag.Name` is a string, and telling two apart compares
    /// strings: the transcoder, which asks for every scalar, switches over this instead.
    enum Rule {
        case bool, int, float, merge, null, timestamp, value, str

        var tagName: Tag.Name {
            switch self {
            case .bool: .bool
            case .int: .int
            case .float: .float
            case .merge: .merge
            case .null: .null
            case .timestamp: .timestamp
            case .value: .value
            case .str: .str
            }
        }
    }

    static func resolve(_ text: String) -> Tag.Name {
        var text = text
        return text.withUTF8 { rule(of: $0) }.tagName
    }

    /// The rule for a scalar's UTF-8 bytes, as libyaml reports them.
    static func rule(of bytes: UnsafeBufferPointer<UInt8>) -> Rule {
        if let rule = match(bytes) { return rule }
        if let end = bodyBeforeFinalLineBreak(bytes), let rule = match(UnsafeBufferPointer(rebasing: bytes[..<end])) { return rule }
        return .str
    }

    /// The rules in Yams' order, tried only where the first byte can start them: only bool and null start
    /// with a letter, only int, float and timestamp with a digit, sign or dot.
    private static func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Rule? {
        guard let first = bytes.first else { return .null }
        var matcher = Matcher(bytes: bytes)
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            // The longest of their words is "false".
            guard bytes.count <= 5 else { return nil }
            if matcher.isBool { return .bool }
            return matcher.isNull ? .null : nil
        case UInt8(ascii: "~"): return matcher.isNull ? .null : nil
        case UInt8(ascii: "<"): return matcher.equals("<<") ? .merge : nil
        case UInt8(ascii: "="): return matcher.equals("=") ? .value : nil
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            // Most numbers in manifests: int's [1-9][0-9_]* or 0, without the alternatives before it.
            if isDecimal(bytes) || matcher.isInt { return .int }
            if matcher.isFloat { return .float }
            return matcher.isTimestamp ? .timestamp : nil
        default: return nil
        }
    }

    /// 0, or digits without a leading zero.
    private static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes[0] != UInt8(ascii: "0") else { return bytes.count == 1 }
        for byte in bytes where !byte.isDigit { return false }
        return true
    }

    /// Where the text ends without its final line break (\n, \r, \r\n, U+0085, U+2028, U+2029), if it has one.
    private static func bodyBeforeFinalLineBreak(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = bytes.count
        if count >= 2, bytes[count - 2] == 0x0D, bytes[count - 1] == 0x0A { return count - 2 }
        if count >= 1, bytes[count - 1] == 0x0A || bytes[count - 1] == 0x0D { return count - 1 }
        if count >= 2, bytes[count - 2] == 0xC2, bytes[count - 1] == 0x85 { return count - 2 }
        if count >= 3, bytes[count - 3] == 0xE2, bytes[count - 2] == 0x80, bytes[count - 1] == 0xA8 || bytes[count - 1] == 0xA9 { return count - 3 }
        return nil
    }

    /// Matches one whole text against alternatives; each alternative starts again from the beginning.
    private struct Matcher {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// ^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$
        var isBool: Bool {
            mutating get {
                Self.boolWords.contains { equals($0) }
            }
        }

        /// ^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$
        var isInt: Bool {
            mutating get {
                whole { $0.sign(); return $0.take("0b") && $0.some(\.isBinaryOrUnderscore) }
                    || whole {
                        $0.sign()
                        guard $0.take("0") else { return false }
                        _ = $0.take("o")
                        return $0.some(\.isOctalOrUnderscore)
                    }
                    || whole { $0.sign(); return $0.take("0") || ($0.one(\.isNonZeroDigit) && $0.any(\.isDigitOrUnderscore)) }
                    || whole { $0.sign(); return $0.take("0x") && $0.some(\.isHexOrUnderscore) }
                    || whole { $0.sign(); return $0.one(\.isNonZeroDigit) && $0.any(\.isDigitOrUnderscore) && $0.sexagesimal() }
            }
        }

        /// ^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?
        ///   |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$
        var isFloat: Bool {
            mutating get {
                whole {
                    $0.sign()
                    guard $0.one(\.isDigit), $0.any(\.isDigitOrUnderscore) else { return false }
                    if $0.take(".") { $0.any(\.isDigitOrUnderscore) }
                    return $0.exponent(signRequired: false)
                }
                    || whole { $0.take(".") && $0.some(\.isDigitOrUnderscore) && $0.exponent(signRequired: true) }
                    || whole {
                        $0.sign()
                        return $0.one(\.isDigit) && $0.any(\.isDigitOrUnderscore) && $0.sexagesimal() && $0.take(".") && $0.any(\.isDigitOrUnderscore)
                    }
                    || whole { $0.sign(); return $0.take(".") && ($0.take("inf") || $0.take("Inf") || $0.take("INF")) }
                    || whole { $0.take(".") && ($0.take("nan") || $0.take("NaN") || $0.take("NAN")) }
            }
        }

        /// ^(?:~|null|Null|NULL|)$
        var isNull: Bool { mutating get { Self.nullWords.contains { equals($0) } } }

        private static let boolWords: [StaticString] =
            ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"]
        private static let nullWords: [StaticString] = ["~", "null", "Null", "NULL", ""]

        /// ^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)
        ///   [0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$
        var isTimestamp: Bool {
            mutating get {
                whole { $0.digits(4) && $0.take("-") && $0.digits(2) && $0.take("-") && $0.digits(2) }
                    || whole {
                        guard $0.digits(4), $0.take("-"), $0.digits(1, 2), $0.take("-"), $0.digits(1, 2) else { return false }
                        guard $0.take("T") || $0.take("t") || $0.some(\.isBlank) else { return false }
                        guard $0.digits(1, 2), $0.take(":"), $0.digits(2), $0.take(":"), $0.digits(2) else { return false }
                        if $0.take(".") { $0.any(\.isDigit) }
                        // (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))? — the blanks only count before a zone.
                        let beforeZone = $0.position
                        $0.any(\.isBlank)
                        if $0.take("Z") { return true }
                        if $0.one(\.isSign), $0.digits(1, 2) {
                            let afterHours = $0.position
                            if !($0.take(":") && $0.digits(2)) { $0.position = afterHours }
                            return true
                        }
                        $0.position = beforeZone
                        return true
                    }
            }
        }

        mutating func equals(_ word: StaticString) -> Bool { whole { $0.take(word) } }

        /// True when `pattern`, run from the start, stops exactly at the end.
        private mutating func whole(_ pattern: (inout Matcher) -> Bool) -> Bool {
            position = 0
            return pattern(&self) && position == bytes.count
        }

        private mutating func take(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count,
                  UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(bytes[position..<position + count]) else { return false }
            position += count
            return true
        }

        private mutating func one(_ test: (UInt8) -> Bool) -> Bool {
            guard position < bytes.count, test(bytes[position]) else { return false }
            position += 1
            return true
        }

        /// Zero or more; always succeeds.
        @discardableResult
        private mutating func any(_ test: (UInt8) -> Bool) -> Bool {
            while one(test) {}
            return true
        }

        /// One or more.
        private mutating func some(_ test: (UInt8) -> Bool) -> Bool { one(test) && any(test) }

        private mutating func sign() { _ = one(\.isSign) }

        /// Between `minimum` and `maximum` digits, as many as there are.
        private mutating func digits(_ minimum: Int, _ maximum: Int? = nil) -> Bool {
            let start = position
            while position - start < (maximum ?? minimum), one(\.isDigit) {}
            return position - start >= minimum
        }

        /// (?::[0-5]?[0-9])+
        private mutating func sexagesimal() -> Bool {
            var groups = 0
            while take(":") {
                let start = position
                any(\.isDigit)
                let digits = position - start
                guard digits == 1 || (digits == 2 && bytes[start] <= UInt8(ascii: "5")) else { return false }
                groups += 1
            }
            return groups > 0
        }

        /// (?:[eE][-+]?[0-9]+)?, or with the sign required.
        private mutating func exponent(signRequired: Bool) -> Bool {
            guard take("e") || take("E") else { return true }
            if !one(\.isSign), signRequired { return false }
            return some(\.isDigit)
        }
    }
}

private extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    var isNonZeroDigit: Bool { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(self) }
    var isDigitOrUnderscore: Bool { isDigit || self == UInt8(ascii: "_") }
    var isBinaryOrUnderscore: Bool { self == UInt8(ascii: "0") || self == UInt8(ascii: "1") || self == UInt8(ascii: "_") }
    var isOctalOrUnderscore: Bool { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(self) || self == UInt8(ascii: "_") }
    var isHexOrUnderscore: Bool { isDigitOrUnderscore || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20) }
    var isSign: Bool { self == UInt8(ascii: "-") || self == UInt8(ascii: "+") }
    var isBlank: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") }
}
