/// A validated label selector. matchLabels entries become `In` requirements with one value, which is
/// what they mean, so that equal selectors written either way compare and share sets.
public struct LabelSelector: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Operator: Hashable, Sendable, Comparable {
        case `in`([String])
        case notIn([String])
        case exists
        case doesNotExist
    }

    public struct Requirement: Hashable, Sendable, Comparable {
        public var key: String
        public var op: Operator

        public init(key: String, op: Operator) {
            self.key = key
            self.op = op
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .in(let values): return value.map(values.contains) ?? false
            case .notIn(let values): return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }

        public static func < (lhs: Requirement, rhs: Requirement) -> Bool {
            (lhs.key, lhs.op) < (rhs.key, rhs.op)
        }
    }

    /// Sorted and de-duplicated; empty selects everything.
    public let requirements: [Requirement]

    public static let everything = LabelSelector(requirements: [])

    public init(requirements: [Requirement]) {
        self.requirements = requirements.sortedWithoutDuplicates()
    }

    public var selectsEverything: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// The label values this selector demands for `key`, if it demands any (used to index look-ups).
    public var requiredValues: (key: String, values: [String])? {
        for requirement in requirements {
            if case .in(let values) = requirement.op { return (requirement.key, values) }
        }
        return nil
    }

    public var description: String {
        guard !requirements.isEmpty else { return "all" }
        return requirements.map { requirement in
            switch requirement.op {
            case .in(let values) where values.count == 1: return "\(requirement.key)=\(values[0])"
            case .in(let values): return "\(requirement.key) in (\(values.joined(separator: ",")))"
            case .notIn(let values): return "\(requirement.key) notin (\(values.joined(separator: ",")))"
            case .exists: return requirement.key
            case .doesNotExist: return "!\(requirement.key)"
            }
        }.joined(separator: ",")
    }

    public static func < (lhs: LabelSelector, rhs: LabelSelector) -> Bool {
        lhs.requirements.lexicographicallyPrecedes(rhs.requirements)
    }
}

extension LabelSelector.Operator {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.sortKey < rhs.sortKey }

    private var sortKey: (Int, [String]) {
        switch self {
        case .in(let values): return (0, values)
        case .notIn(let values): return (1, values)
        case .exists: return (2, [])
        case .doesNotExist: return (3, [])
        }
    }
}

private func < (lhs: (Int, [String]), rhs: (Int, [String])) -> Bool {
    lhs.0 != rhs.0 ? lhs.0 < rhs.0 : lhs.1.lexicographicallyPrecedes(rhs.1)
}

extension LabelSelector {
    /// `field` is spelled out only for an error: a selector that validates builds no field paths.
    init(validating object: LabelSelectorObject, field: @autoclosure () -> String, checker: FieldChecker) throws(ValidationError) {
        var requirements: [Requirement] = []
        for (key, value) in object.matchLabels ?? [:] {
            try LabelSyntax.checkKey(key, field: "\(field()).matchLabels", checker: checker)
            try LabelSyntax.checkValue(value, field: "\(field()).matchLabels[\(key)]", checker: checker)
            requirements.append(Requirement(key: key, op: .in([value])))
        }
        for (index, expression) in (object.matchExpressions ?? []).enumerated() {
            func path() -> String { "\(field()).matchExpressions[\(index)]" }
            guard let key = expression.key, !key.isEmpty else { throw checker.error("\(path()).key", "must be set") }
            try LabelSyntax.checkKey(key, field: "\(path()).key", checker: checker)
            let values = expression.values ?? []
            for (valueIndex, value) in values.enumerated() {
                try LabelSyntax.checkValue(value, field: "\(path()).values[\(valueIndex)]", checker: checker)
            }
            let sortedValues = values.sortedWithoutDuplicates()
            switch expression.operator {
            case "In", "NotIn":
                guard !values.isEmpty else {
                    throw checker.error("\(path()).values", "must be non-empty for operator \(expression.operator!)")
                }
                requirements.append(Requirement(key: key, op: expression.operator == "In" ? .in(sortedValues) : .notIn(sortedValues)))
            case "Exists", "DoesNotExist":
                guard values.isEmpty else {
                    throw checker.error("\(path()).values", "must be empty for operator \(expression.operator!)")
                }
                requirements.append(Requirement(key: key, op: expression.operator == "Exists" ? .exists : .doesNotExist))
            case let other:
                throw checker.error("\(path()).operator",
                                    "unknown operator \(other.map { "\"\($0)\"" } ?? "(absent)"); expected In, NotIn, Exists or DoesNotExist")
            }
        }
        self.init(requirements: requirements)
    }
}

/// Kubernetes label key and value syntax (apimachinery/pkg/util/validation/validation.go): a key is
/// a qualified name (IsQualifiedName), a name of at most 63 characters with an optional DNS-1123
/// subdomain prefix; a value is empty or such a name (IsValidLabelValue).
///
/// Both read UTF-8 bytes: every character either allows is ASCII, so text with any other byte fails, and
/// for ASCII text bytes and characters count alike.
enum LabelSyntax {
    static func checkKey(_ key: String, field: @autoclosure () -> String, checker: FieldChecker) throws(ValidationError) {
        var key = key
        let valid = key.withUTF8 { bytes in
            guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return isName(bytes[...]) }
            let name = bytes[(slash + 1)...]
            return !name.contains(UInt8(ascii: "/")) && isName(name) && isSubdomain(bytes[..<slash])
        }
        guard valid else { throw checker.error(field(), "invalid label key \"\(key)\"") }
    }

    static func checkValue(_ value: String, field: @autoclosure () -> String, checker: FieldChecker) throws(ValidationError) {
        var value = value
        guard value.isEmpty || value.withUTF8({ isName($0[...]) }) else {
            throw checker.error(field(), "invalid label value \"\(value)\"")
        }
    }

    private static func isName(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last,
              first.isLetterOrDigit, last.isLetterOrDigit else { return false }
        return text.allSatisfy { $0.isLetterOrDigit || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// IsDNS1123Subdomain: at most 253 characters; dot-separated labels of lowercase letters, digits
    /// and '-', each starting and ending with a letter or digit.
    private static func isSubdomain(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard (1...253).contains(text.count) else { return false }
        return text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, first.isLowercaseLetterOrDigit,
                  last.isLowercaseLetterOrDigit else { return false }
            return label.allSatisfy { $0.isLowercaseLetterOrDigit || $0 == UInt8(ascii: "-") }
        }
    }
}

private extension UInt8 {
    var isLetterOrDigit: Bool { isLowercaseLetterOrDigit || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) }
    var isLowercaseLetterOrDigit: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension Array where Element: Comparable {
    /// Sorted, each element once: what `Array(Set(self)).sorted()` gives, without hashing, for a type whose
    /// order ties two elements only when `==` holds.
    func sortedWithoutDuplicates() -> [Element] {
        guard count > 1 else { return self }
        var result = sorted()
        var kept = 1
        for index in 1..<result.count where result[index] != result[kept - 1] {
            result[kept] = result[index]
            kept += 1
        }
        result.removeSubrange(kept...)
        return result
    }
}
