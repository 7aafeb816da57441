@testable import ClusterModel
import Foundation
import Testing
import TestSupport

/// The skipper (`skipValue`, one loop with a bit stack): whatever it steps over, JSONDecoder accepts, and
/// the pod reads as JSONDecoder reads it; whatever is not JSON it may skip (bad syntax, escapes, UTF-8,
/// nesting), it declines, however deep in the skipped member.
extension JSONWireReaderTests {
    /// Pods that skip `value` at three depths: a member of the pod (1 level open), of its metadata (2),
    /// and of an object in an unknown array (3).
    static func podsSkipping(_ value: [UInt8]) -> [[UInt8]] {
        let text = { (text: String) in Array(text.utf8) }
        return [text(#"{"metadata":{"name":"web"},"x":"#) + value + text("}"),
                text(#"{"metadata":{"x":"#) + value + text(#","name":"web"},"y":[{"z":"#) + value + text("}]}")]
    }

    static func expectSkipped(_ value: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        for pod in podsSkipping(value) {
            let fast = pod.withUnsafeBytes { PodObject.readJSON($0) }
            let exact = try? JSONDecoder().decode(PodObject.self, from: Data(pod))
            #expect(fast?.metadata.name == "web" && fast == exact, "\(String(decoding: pod, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    static func expectDeclined(_ value: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        for pod in podsSkipping(value) {
            #expect(pod.withUnsafeBytes { PodObject.readJSON($0) } == nil, "\(String(decoding: pod, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    @Test("skips numbers and literals of every shape", arguments: [
        "0", "-0", "7", "-7", "10", "1234567890123456789012345678901234567890", "0.0", "-0.5", "1.25", "1e5", "1E5", "1e+5",
        "1e-5", "1.5E-10", "-0e0", "0E+0", "1e400", "-123.456e789", "true", "false", "null", " 1 ", "[0,-1,2.5,3e3,true,null]",
        #"{"n":-0.0,"b":false}"#, "[1 , 2\n,\t3\r\n]",
    ])
    func skipsScalars(_ value: String) {
        Self.expectSkipped(Array(value.utf8))
    }

    @Test("declines what is no JSON number or literal", arguments: [
        "-", "+1", "01", "-01", "00", "1.", ".5", "-.5", "1.e5", "1e", "1e+", "1E-", "1e5.0", "1.5.3", "0x10", "1-2", "--1",
        "1e5e3", "1ee5", "Infinity", "-Infinity", "NaN", "1_000", "[1.]", #"{"n":01}"#, "0 1", "tru", "truee", "True", "nul",
        "nulll", "fals", "falsey", "t", "n", "f", "TRUE", "none", "undefined",
    ])
    func declinesBadScalars(_ value: String) {
        Self.expectDeclined(Array(value.utf8))
    }

    @Test("declines every syntax error in skipped objects and arrays", arguments: [
        "", "{", "[", "}", "]", ":", ",", "{]", "[}", #"{"a"}"#, #"{"a":}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, "{a:1}", "{'a':1}",
        #"{"a":1,}"#, "{,}", #"{,"a":1}"#, "[,]", "[,1]", "[1,]", "[1 2]", "[1,,2]", "[[]", "[{]}", #"{"a":[}]}"#,
        #"{"a":{"b":[1,{"c":[]}]]}}"#, "{:1}", "{1:1}", "{null:1}", #"{"a"::1}"#, #"{"a":1,,"b":2}"#, #"[1]]"#, #"{"a":1}}"#,
        #""a":1"#, #"{"a":1}{"#, #"["a" "b"]"#, "[\u{0}]", #"{"a":[1,2}"#,
    ])
    func declinesSyntaxErrors(_ value: String) {
        Self.expectDeclined(Array(value.utf8))
    }

    @Test("skips every escape in values and keys, declines bad escapes and raw control characters")
    func escapes() {
        for valid in [#""\"""#, #""\\""#, #""\/""#, #""\b\f\n\r\t""#, #""\u0000""#, #""\u00e9\u00E9""#, #""\uFFFF\uffff""#,
                      #""a\\\"b""#, #""""#, "\"\u{7F}\"", #"{"\u0041\n":1}"#, #"{"":{"\"":[]}}"#, #"["\\",{"\/":"\\\\"}]"#] {
            Self.expectSkipped(Array(valid.utf8))
        }
        for bad in [#""\x""#, #""\U0041""#, #""\u12""#, #""\u12G4""#, #""\uD800""#, #""\udfff""#, #""\ud83d\ude00""#, #""\""#,
                    #""abc"#, #"{"\q":1}"#, #"["\"]"#, #""\u""#, #""\'""#] {
            Self.expectDeclined(Array(bad.utf8))
        }
        for control: UInt8 in [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] {
            Self.expectDeclined([0x22, 0x61, control, 0x22])
            Self.expectDeclined(Array(#"{""#.utf8) + [control] + Array(#"":1}"#.utf8))
        }
    }

    @Test("skips well-formed UTF-8 at every boundary of Unicode's table, declines the rest, in values and keys")
    func utf8() {
        let wellFormed: [[UInt8]] = [[0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                                     [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xE2, 0x82, 0xAC]]
        let illFormed: [[UInt8]] = [[0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80],
                                    [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
                                    [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
                                    [0xC3, 0x41], [0xE2, 0x41, 0xAC]]
        let quote: [UInt8] = [0x22]
        for sequence in wellFormed {
            Self.expectSkipped(quote + sequence + quote)
            Self.expectSkipped(Array(#"{"k"#.utf8) + sequence + Array(#"":[]}"#.utf8))
        }
        for sequence in illFormed {
            Self.expectDeclined(quote + sequence + quote)
            Self.expectDeclined(Array(#"{"k"#.utf8) + sequence + Array(#"":[]}"#.utf8))
        }
    }

    /// The pod itself is one level; each placement in `podsSkipping` adds its own, so the skipped value
    /// may add 256 levels minus those.
    /// 63 to 65 levels cross the edge of the word the innermost 64 levels live in.
    @Test("nesting of 63 to 65, 255 and 256 levels in all is skipped, 257 declines, counted from where the skip starts")
    func nestingLimit() {
        let placements = [(Array(#"{"metadata":{"name":"web"},"x":"#.utf8), Array("}".utf8), 1),
                          (Array(#"{"metadata":{"name":"web","x":"#.utf8), Array("}}".utf8), 2)]
        for (prefix, suffix, open) in placements {
            for total in Array(63...65) + Array(255...257) {
                for kinds in [[true], [false], [true, false]] {
                    let levels = (0..<total - open).map { kinds[$0 % kinds.count] }
                    let pod = prefix + Self.nested(levels) + suffix
                    let fast = pod.withUnsafeBytes { PodObject.readJSON($0) }
                    if total <= 256 {
                        #expect(fast?.metadata.name == "web" && fast == (try? JSONDecoder().decode(PodObject.self, from: Data(pod))), "\(total)")
                    } else {
                        #expect(fast == nil, "\(total) levels")
                    }
                }
            }
        }
    }

    /// The bit stack keeps the innermost 64 levels in a word and spills the rest: every closing bracket
    /// must match its level's opening one, across the words' edges.
    @Test("a closing bracket of the wrong kind declines at any level, across the bit stack's words")
    func mismatchedClosers() {
        var random = SeededRandom(seed: 256)
        let levels = (0..<250).map { _ in random.bool() }
        let prefix = Array(#"{"metadata":{"name":"web"},"x":"#.utf8), suffix = Array("}".utf8)
        Self.expectSkipped(Self.nested(levels))
        for level in [0, 1, 62, 63, 64, 65, 127, 128, 191, 192, 248, 249] {
            var text = Self.nested(levels)
            // The closers are the text's last bytes, the outermost last.
            let closer = text.count - 1 - level
            text[closer] = text[closer] == UInt8(ascii: "}") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            #expect((prefix + text + suffix).withUnsafeBytes { PodObject.readJSON($0) } == nil, "level \(level)")
        }
    }

    /// Levels past 64 spill the outermost of the innermost word's bits, and closing them brings the bits
    /// back: two deep values side by side in one array, the second of the opposite kinds, must each
    /// close with their own brackets, and the array's outer levels with theirs after both.
    @Test("levels spilled past 64 come back as they were opened, when the same levels are opened again with other kinds")
    func spilledLevelsComeBack() {
        var random = SeededRandom(seed: 64)
        // 30 outer levels, the innermost an array holding both values; each value 70 levels deep.
        let outer = (0..<29).map { _ in random.bool() } + [false]
        let first = (0..<70).map { _ in random.bool() }, second = first.map { !$0 }
        let opening = outer.dropLast().flatMap { Array(($0 ? #"{"k":"# : "[").utf8) } + Array("[".utf8)
        let closing = outer.reversed().map { $0 ? UInt8(ascii: "}") : UInt8(ascii: "]") }
        let text = opening + Self.nested(first) + Array(",".utf8) + Self.nested(second) + closing
        Self.expectSkipped(text)
        // Wrong closers: in the second value (its last 70 closers) and in the outer levels after it.
        let secondEnd = text.count - closing.count
        for closer in (secondEnd - 70)..<(secondEnd + closing.count) {
            var wrong = text
            wrong[closer] = wrong[closer] == UInt8(ascii: "}") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            Self.expectDeclined(wrong)
        }
    }

    /// `levels` nested objects (true) and arrays (false), outermost first, the innermost empty: the
    /// closing brackets come last, one a level.
    static func nested(_ levels: [Bool]) -> [UInt8] {
        var text: [UInt8] = []
        for (index, object) in levels.enumerated() {
            let last = index == levels.count - 1
            text += Array((object ? (last ? "{" : #"{"k":"#) : "[").utf8)
        }
        for object in levels.reversed() { text.append(object ? UInt8(ascii: "}") : UInt8(ascii: "]")) }
        return text
    }

    /// Near misses of a pod as kube-apiserver sends it, most of which is skipped (managedFields,
    /// annotations, ownerReferences, status conditions): wherever the fast path still accepts, it reads
    /// what JSONDecoder reads.
    @Test("accepts nothing JSONDecoder refuses among near misses of a realistic pod")
    func realisticNearMisses() throws {
        let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/FuzzWireReader/pod-realistic.json")
        let valid = try [UInt8](Data(contentsOf: seed))
        #expect(valid.withUnsafeBytes { PodObject.readJSON($0) } == (try JSONDecoder().decode(PodObject.self, from: Data(valid))))
        var random = SeededRandom(seed: 77)
        let replacements = Array(#"{}[]",:0123456789-.eEtrufalsn\ "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xFF]
        var accepted = 0, declined = 0
        for _ in 0..<1500 {
            var bytes = valid
            let offset = random.int(0...bytes.count - 1)
            switch random.int(0...2) {
            case 0: bytes[offset] = random.pick(replacements)
            case 1: bytes.remove(at: offset)
            default: bytes.insert(random.pick(replacements), at: offset)
            }
            guard let fast = bytes.withUnsafeBytes({ PodObject.readJSON($0) }) else {
                declined += 1
                continue
            }
            accepted += 1
            #expect(fast == (try? JSONDecoder().decode(PodObject.self, from: Data(bytes))), "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 100 && declined > 100)
    }
}
