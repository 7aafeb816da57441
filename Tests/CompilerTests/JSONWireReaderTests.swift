@testable import ClusterModel
import Foundation
import Manifests
import Testing
import TestSupport

/// The fast JSON reader must give exactly JSONDecoder's value whenever it accepts, and decline
/// (callers then use JSONDecoder) whenever it cannot be sure.
@Suite("JSON wire reader")
struct JSONWireReaderTests {
    static func read<T: JSONWireReadable>(_ type: T.Type, _ text: String) -> T? {
        Array(text.utf8).withUnsafeBytes { T.readJSON($0) }
    }

    static func decoded<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// Writes `object` in many spellings; each must read back, by the fast path and by JSONDecoder, as
    /// `object` itself.
    static func checkEquivalence<T: JSONWireReadable & Codable & Equatable>(_ object: T, writer: inout WireJSONWriter) throws {
        let tree = try JSONTree.of(object)
        for _ in 0..<2 {
            let text = writer.write(tree)
            #expect(decoded(T.self, text) == object, "JSONDecoder: \(text)")
            #expect(read(T.self, text) == object, "fast path: \(text)")
        }
    }

    @Test("generated objects of every kind read exactly as JSONDecoder reads them")
    func generatedObjects() throws {
        var generator = WireObjectGenerator(random: SeededRandom(seed: 1111))
        var writer = WireJSONWriter(random: SeededRandom(seed: 2222))
        for _ in 0..<80 {
            try Self.checkEquivalence(generator.pod(), writer: &writer)
            try Self.checkEquivalence(generator.networkPolicy(), writer: &writer)
            try Self.checkEquivalence(NamespaceObject(metadata: generator.metadata()), writer: &writer)
            try Self.checkEquivalence(generator.node(), writer: &writer)
            try Self.checkEquivalence(generator.clusterNetworkPolicy(), writer: &writer)
        }
    }

    @Test("absent and null are nil, empty stays empty, IntOrString is Int first")
    func optionals() {
        let policy = Self.read(NetworkPolicyObject.self, #"{"metadata":{"name":null,"labels":{}},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":"80"},{"port":80,"endPort":null}]}],"egress":null}}"#)
        #expect(policy?.metadata.name == nil && policy?.metadata.labels == [:])
        #expect(policy?.spec?.podSelector == LabelSelectorObject(matchLabels: nil, matchExpressions: nil))
        #expect(policy?.spec?.ingress?.first?.ports?.map(\.port) == [.string("80"), .int(80)])
        #expect(policy?.spec?.egress == nil && policy?.spec?.policyTypes == nil)
    }

    /// Each input either is refused by JSONDecoder (so callers print today's message) or reads some way
    /// the fast path will not guess; either way it declines and callers get JSONDecoder's outcome.
    @Test("declines where JSONDecoder refuses or the reading is not plain", arguments: [
        // A type the field does not expect, and null where JSONDecoder throws.
        #"{"metadata":{"name":1}}"#, #"{"metadata":{"name":true}}"#, #"{"metadata":{"labels":[]}}"#, #"{"metadata":{"labels":{"a":1}}}"#,
        #"{"metadata":{"labels":{"a":null}}}"#, #"{"metadata":null}"#, #"{}"#, #"{"metadata":[]}"#, #"[]"#, #""x""#,
        #"{"metadata":{},"spec":{"containers":{}}}"#, #"{"metadata":{},"spec":{"containers":[null]}}"#,
        #"{"metadata":{},"spec":{"hostNetwork":"true"}}"#, #"{"metadata":{},"spec":{"hostNetwork":1}}"#,
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":"80"}]}]}}"#,
        // Numbers other than plain integers of up to 18 digits.
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":80.0}]}]}}"#,
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":8e1}]}]}}"#,
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":-0}]}]}}"#,
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":1234567890123456789}]}]}}"#,
        #"{"metadata":{},"spec":{"containers":[{"ports":[{"containerPort":080}]}]}}"#,
        // Duplicate keys, of a declared field or in a map; escaped keys.
        #"{"metadata":{"name":"a","name":"b"}}"#, #"{"metadata":{"name":null,"name":"b"}}"#, #"{"metadata":{},"metadata":{}}"#,
        #"{"metadata":{"labels":{"a":"1","a":"2"}}}"#, #"{"metadata":{"na\u006de":"a"}}"#, #"{"metadata":{"labels":{"a\/b":"1"}}}"#,
        "{\"metadata\":{\"labels\":{\"caf\u{e9}\":\"1\"}}}",
        // Strings: control characters, bad escapes, surrogates (escaped or encoded).
        "{\"metadata\":{\"name\":\"a\tb\"}}", #"{"metadata":{"name":"\x"}}"#, #"{"metadata":{"name":"\u12"}}"#,
        #"{"metadata":{"name":"\ud83d\ude00"}}"#, #"{"metadata":{"name":"\udc00"}}"#,
        // Syntax errors anywhere, skipped members included; trailing text; nesting deeper than 256.
        #"{"metadata":{},}"#, #"{"metadata":{}} x"#, #"{"metadata":{}}{}"#, #"{"metadata":{},"x":tru}"#, #"{"metadata":{},"x":01}"#,
        #"{"metadata":{},"x":1.}"#, #"{"metadata":{},"x":-}"#, #"{"metadata":{},"x":[1,]}"#, #"{"metadata":{},"x":{"a"}}"#,
        #"{"metadata":{},"x":"\q"}"#, #"{"metadata":{} "x":1}"#, #"{'metadata':{}}"#, #"{"metadata":{}"#,
        #"{"metadata":{},"x":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}",
    ])
    func declines(_ text: String) {
        #expect(Self.read(PodObject.self, text) == nil)
    }

    @Test("declines bad UTF-8 and a byte order mark")
    func declinesBadBytes() {
        let pod = Array(#"{"metadata":{"name":"web"}}"#.utf8)
        #expect(pod.withUnsafeBytes { PodObject.readJSON($0) }?.metadata.name == "web")
        #expect(([0xEF, 0xBB, 0xBF] + pod).withUnsafeBytes { PodObject.readJSON($0) } == nil)
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF]] {
            for name in [Array(#"{"metadata":{"name":""#.utf8), Array(#"{"metadata":{},"x":""#.utf8)] {
                #expect((name + bad + Array(#""}}"#.utf8)).withUnsafeBytes { PodObject.readJSON($0) } == nil)
            }
        }
    }

    /// Strings are scanned eight bytes at a time: every special byte at every offset around the word
    /// edges, in a string that is read and in one that is skipped, must give JSONDecoder's outcome.
    @Test("strings scanned by words: escapes, UTF-8, control characters and ends at every word offset")
    func stringsAcrossWordEdges() {
        let specials: [[UInt8]] = [
            Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\u00e9"#.utf8), Array(#"\n"#.utf8), Array("\u{e9}".utf8),
            Array("\u{20ac}".utf8), Array("\u{1f600}".utf8), [0x09], [0x1F], [0x7F], [0xE2, 0x82], [0xC3], [0xED, 0xA0, 0x80], [0x80],
        ]
        for special in specials {
            for before in 0..<18 {
                let value = Array(repeating: UInt8(ascii: "a"), count: before) + special + Array(repeating: UInt8(ascii: "b"), count: 17 - before)
                for prefix in [#"{"metadata":{"name":""#, #"{"metadata":{},"x":""#] {
                    let bytes = Array(prefix.utf8) + value + Array(#""}}"#.utf8)
                    let exact = try? JSONDecoder().decode(PodObject.self, from: Data(bytes))
                    let fast = bytes.withUnsafeBytes { PodObject.readJSON($0) }
                    #expect(fast == nil || fast == exact, "\(bytes)")
                    #expect((fast == nil) == (exact == nil), "\(bytes)")
                }
            }
        }
    }

    @Test("a string ending at the end of the bytes reads; one cut short at any length declines")
    func stringsAtBufferEnd() {
        for count in 0..<20 {
            let text = String(repeating: "\u{e9}", count: count % 3) + String(repeating: "k", count: count)
            let value = Array("\"\(text)\"".utf8).withUnsafeBytes { bytes -> String? in
                var reader = JSONWireReader(bytes)
                guard let value = try? reader.readString(), (try? reader.readEnd()) != nil else { return nil }
                return value
            }
            #expect(value == text)
            let cut = Array(#"{"metadata":{"name":""#.utf8) + Array(text.utf8)
            for end in cut.count - min(count, 9)...cut.count {
                #expect(cut[..<end].withUnsafeBytes { PodObject.readJSON($0) } == nil)
            }
        }
    }

    /// The one way to be wrong: accepting what JSONDecoder refuses, which would bypass today's message.
    @Test("accepts nothing that JSONDecoder refuses, among near misses of a valid pod")
    func acceptsOnlyWhatJSONDecoderAccepts() {
        let valid = Array(#"{"metadata":{"name":"web","labels":{"app":"x"}},"spec":{"containers":[{"ports":[{"containerPort":80}]}]},"x":[1.5,null]}"#.utf8)
        var random = SeededRandom(seed: 7)
        let replacements = Array(#"{}[]",:0123456789-.eEtrufalsn\ "#.utf8)
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<random.int(1...2) {
                let offset = random.int(0...bytes.count - 1)
                switch random.int(0...2) {
                case 0: bytes[offset] = random.pick(replacements)
                case 1: bytes.remove(at: offset)
                default: bytes.insert(random.pick(replacements), at: offset)
                }
            }
            guard let fast = bytes.withUnsafeBytes({ PodObject.readJSON($0) }) else { continue }
            let exact = try? JSONDecoder().decode(PodObject.self, from: Data(bytes))
            #expect(fast == exact, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// Manifests read each List item with the fast path and hand what it declines to JSONDecoder, item
    /// by item: an escaped key (read by JSONDecoder) loads next to plainly written objects.
    @Test("a manifest's declined items load through JSONDecoder, the others through the fast path")
    func manifestItems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("list.json", #"""
            {"kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "plain", "namespace": "shop"}, "status": {"podIP": "10.0.0.1"}},
              {"apiVersion": "v1", "kind": "Pod", "metadata": {"na\u006de": "escaped", "namespace": "shop"}, "status": {"podIP": "10.0.0.2"}},
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
            ]}
            """#)
        let loaded = load(paths: [file])
        #expect(loaded.errors == [])
        #expect(loaded.state.pods.map(\.name) == ["escaped", "plain"])
        #expect(loaded.skipped == ["\(file)#1 items[2]: v1 ConfigMap"])
    }
}
