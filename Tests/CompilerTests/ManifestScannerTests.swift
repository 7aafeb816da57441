import Foundation
@testable import Manifests
import Testing
import TestSupport
import Yams

/// The JSON fast path decides which files it reads (the rest go to YAML, as before): what it reads must
/// be laid out exactly, and everything the YAML path could read differently must go there.
@Suite("Manifest scanner")
struct ManifestScannerTests {
    func layout(_ text: String) -> JSONManifestLayout? {
        Array(text.utf8).withUnsafeBytes { JSONManifestScanner.scan($0) }
    }

    func texts(_ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        return layout(text)?.objects.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test("a List's items, with kind before or after them")
    func listItems() {
        #expect(texts(#"{"kind": "List", "items": [{"a": 1}, [2], "x", null]}"#) == [#"{"a": 1}"#, "[2]", #""x""#, "null"])
        #expect(texts(#" {"items":[{"b":[]} ,{}],"apiVersion":"v1","kind":"PodList"} "#) == [#"{"b":[]}"#, "{}"])
        #expect(layout(#"{"kind": "List", "items": {"a": 1}}"#) == JSONManifestLayout(objects: [], isList: true))
        #expect(texts(#"{"kind": 5, "items": [1]}"#) == [#"{"kind": 5, "items": [1]}"#])
    }

    @Test("one object, or anything else, is the whole document")
    func wholeDocument() {
        #expect(texts("\n{\"kind\": \"Pod\", \"spec\": {\"x\": [1, -2, true, false, null, \"\\u00e9\\n\"]}}\n") ==
                ["{\"kind\": \"Pod\", \"spec\": {\"x\": [1, -2, true, false, null, \"\\u00e9\\n\"]}}"])
        #expect(texts(#"["a", {"b": "é😀"}]"#) == [#"["a", {"b": "é😀"}]"#])
        // JSONSerialization writes "/" as "\/": such keys are read here, not sent to YAML.
        #expect(texts(#"{"labels": {"kubernetes.io\/name": "x\/y", "a\u0062": 1, "ab\n": 2}}"#) != nil)
    }

    @Test("what the YAML path reads differently, or JSON refuses, goes to YAML", arguments: [
        #"{"a": 1,}"#, #"{"a": 1} {"b": 2}"#, "{\"a\": 1}\n---\nb: 2", #"{"a": tru}"#, #"{"a": 01}"#, #"{"a": "\x"}"#,
        "{\"a\": \"\t\"}", "{\"a\": \"\u{7F}\"}", "{\"a\": \"\u{85}x\u{9F}\"}", "{\"a\": \"\u{FFFE}\"}",
        #"{"a": 1, "a": 2}"#, #"{"x": {"a": 1, "b": {}, "a": 2}}"#, #"{"items": [1], "kind": "List", "items": [2]}"#, #"{"a": 1, "\u0061": 2}"#, #"{"a\/b": 1, "a/b": 2}"#, #"{"kind": "L\u0069st"}"#,
        #"{"a": "\ud83d\ude00"}"#, #"{"a": 1.5}"#, #"{"a": 1e3}"#, #"{"a": -0}"#, #"{"a": 1234567890123456789}"#,
        #"{"\#(String(repeating: "k", count: 1001))": 1}"#,
        String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ])
    func readAsYAML(_ text: String) {
        #expect(layout(text) == nil)
    }

    @Test("invalid UTF-8 goes to YAML, which names the file")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] {
            #expect(([UInt8(ascii: "[")] + bytes + [UInt8(ascii: "]")]).withUnsafeBytes { JSONManifestScanner.scan($0) } == nil)
        }
    }

    /// The fast resolver must type every plain scalar as Yams' regular expressions do: random texts from
    /// the characters the rules look at.
    @Test("the scalar tag resolver agrees with Yams' default resolver")
    func resolverAgreesWithYams() {
        var random = SeededRandom(seed: 11)
        let pieces = ["0", "1", "5", "7", "9", "_", "-", "+", ".", ":", "e", "E", "x", "o", "b", "a", "F", "T", "t", " ", "\t", "Z",
                      "~", "<<", "=", "\n", "\r", "\u{2028}", "inf", "Inf", "nan", "NaN", "null", "yes", "No", "ON", "off", "true",
                      "2024", "-01-02", "12:30:45"]
        var texts = ["", "0", "-0", "0x1F", "0o17", "017", "0b101", "1:20", "1:20.5", ".5", ".5e+3", "1e3", "1.", "+.inf", ".NaN",
                     "2024-03-01", "2024-3-1T1:02:03.5 +01:00", "2024-03-01 10:00:00Z", "<<", "=", "~", "true\n", "1_000", "x"]
        for _ in 0..<4000 {
            texts.append((0..<Int.random(in: 1...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined())
        }
        for text in texts {
            #expect(ScalarTagResolver.resolve(text) == Resolver.default.resolveTag(of: Node(text)), "\(text.debugDescription)")
        }
    }
}
