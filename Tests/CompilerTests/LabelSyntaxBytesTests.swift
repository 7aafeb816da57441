@testable import ClusterModel
import Testing
import TestSupport

/// Label keys and values are checked on their UTF-8 bytes, and selectors sorted without hashing; both must
/// decide exactly as the Character- and Set-based code they replaced (kept here as the oracle).
@Suite("Label syntax read from bytes")
struct LabelSyntaxBytesTests {
    static let checker = FieldChecker(object: ObjectReference(kind: "NetworkPolicy", namespace: "a", name: "b"))

    @Test("20,000 random near misses and valid keys and values are accepted as the Character checks accepted them")
    func sameAsCharacterChecks() {
        var random = SeededRandom(seed: 0x1ab)
        let alphabet: [String] = ["a", "z", "A", "Z", "0", "9", "-", "_", ".", "/", "example.com", "x", "é", "\u{301}", "\r\n", " ", "K",
                                  String(repeating: "a", count: 62), String(repeating: "b.", count: 120)]
        for _ in 0..<20_000 {
            let text = (0..<random.int(0...6)).map { _ in random.pick(alphabet) }.joined()
            let keyAccepted = (try? LabelSyntax.checkKey(text, field: "f", checker: Self.checker)) != nil
            let valueAccepted = (try? LabelSyntax.checkValue(text, field: "f", checker: Self.checker)) != nil
            #expect(keyAccepted == CharacterLabelSyntax.isKey(text), "key \(text.debugDescription)")
            #expect(valueAccepted == CharacterLabelSyntax.isValue(text), "value \(text.debugDescription)")
        }
    }

    @Test("requirements come out sorted and de-duplicated as through a Set")
    func requirementsAsThroughSet() {
        var random = SeededRandom(seed: 0x5e1)
        let keys = ["app", "tier", "a/b"], values = ["x", "y", "z"]
        for _ in 0..<2_000 {
            let requirements = (0..<random.int(0...6)).map { _ -> LabelSelector.Requirement in
                let chosen = (0..<random.int(1...3)).map { _ in random.pick(values) }
                let op: LabelSelector.Operator = switch random.int(0...3) {
                case 0: .in(chosen)
                case 1: .notIn(chosen)
                case 2: .exists
                default: .doesNotExist
                }
                return LabelSelector.Requirement(key: random.pick(keys), op: op)
            }
            #expect(LabelSelector(requirements: requirements).requirements == Array(Set(requirements)).sorted())
            let texts = requirements.map(\.key)
            #expect(texts.sortedWithoutDuplicates() == Array(Set(texts)).sorted())
        }
    }
}

/// The checks before bytes, Character by Character.
private enum CharacterLabelSyntax {
    static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count <= 2 && isName(parts.last ?? "") && (parts.count == 1 || isSubdomain(parts[0]))
    }

    static func isValue(_ value: String) -> Bool { value.isEmpty || isName(Substring(value)) }

    private static func isName(_ text: Substring) -> Bool {
        guard (1...63).contains(text.count), let first = text.first, let last = text.last,
              isLetterOrDigit(first), isLetterOrDigit(last) else { return false }
        return text.allSatisfy { isLetterOrDigit($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    private static func isSubdomain(_ text: Substring) -> Bool {
        guard (1...253).contains(text.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last, isLowercaseLetterOrDigit(first),
                  isLowercaseLetterOrDigit(last) else { return false }
            return label.allSatisfy { isLowercaseLetterOrDigit($0) || $0 == "-" }
        }
    }

    private static func isLetterOrDigit(_ character: Character) -> Bool { character.isASCII && (character.isLetter || character.isNumber) }
    private static func isLowercaseLetterOrDigit(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }
}
