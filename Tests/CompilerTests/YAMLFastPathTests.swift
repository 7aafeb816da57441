import Foundation
@testable import Manifests
import Testing

/// YAML manifests are read through libyaml's events written as JSON (`YAMLManifest`) when every object of
/// the file decodes cleanly that way; any other file goes to today's path (Yams nodes, `NodeDecoder`).
/// Either way a file must load exactly what today's path loads: objects, messages, skipped kinds.
@Suite("YAML fast path")
struct YAMLFastPathTests {
    @Test("random clean manifests in every YAML style take the fast path and load what today's path loads")
    func randomCleanFiles() {
        for seed in UInt64(1)...90 {
            var generator = RandomYAMLManifest(seed: seed)
            let text = generator.file()
            let today = YAMLManifestOutcome.today(text)
            #expect(today.entries.allSatisfy { $0.message == nil }, "seed \(seed): today's path failed\n\(today)\n\(text)")
            guard let fast = YAMLManifestOutcome.fast(text) else {
                Issue.record("seed \(seed): the fast path declined\n\(text)")
                continue
            }
            #expect(fast == today, "seed \(seed)\n\(text)")
        }
    }

    /// Edits that make a clean file one the fast path may decline (a bad object, a feature it leaves to
    /// today's path): whichever path reads it, the outcome must be today's.
    static let edits: [(String, String)] = [
        ("containerPort: ", "containerPort: true # "), ("containerPort: ", "containerPort: '80' # "), ("kind: Pod", "kind: ~"),
        ("kind: Namespace", "kind: 7"), ("apiVersion: v1", "apiVersion: null"), ("name: ", "name: 1.5 # "), ("nodeName: ", "nodeName: [a] # "),
        ("hostNetwork: ", "hostNetwork: 0x1 # "), ("phase: ", "phase: &a Running # "), ("ip: ", "ip: !!str 10.0.0.1 # "),
        ("labels:", "labels: {1: a}\n  x:"), ("podSelector:", "podSelector: *a\n  x:"), ("\n---", "\n--- !!map"), ("apiVersion:", "\"kind\": Pod\n  apiVersion:"),
        ("spec:", "spec: {}\nspec:"), ("metadata:", "- metadata:"), ("kind: List", "kind: Pod"), ("items:", "items: 5\n  x:"),
    ]

    @Test("random files with a bad object or a feature left to today's path load what today's path loads")
    func randomEditedFiles() {
        for seed in UInt64(1)...90 {
            var generator = RandomYAMLManifest(seed: seed)
            var text = generator.file()
            let (from, to) = Self.edits[Int(seed) % Self.edits.count]
            guard let range = text.range(of: from) else { continue }
            text.replaceSubrange(range, with: to)
            if let fast = YAMLManifestOutcome.fast(text) {
                #expect(fast == YAMLManifestOutcome.today(text), "seed \(seed)\n\(text)")
            }
        }
    }

    static let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"

    @Test("what the fast path leaves to today's path, which reads it as before", arguments: [
        pod + "spec: &s {nodeName: a}\nstatus: *s\n",                          // anchor and alias
        pod + "spec: {nodeName: !!str 1}\n",                                   // explicit tag
        "base: &b {name: web}\n" + pod.replacingOccurrences(of: "metadata: {", with: "metadata: {<<: *b, "),  // merge key
        pod + "spec: {containers: [{name: a, ports: [{containerPort: 80.0}]}]}\n",  // float
        pod + "extra: 1.5\n",                                                  // float where nothing reads it
        pod + "spec: {nodeName: a, nodeName: b}\n",                            // duplicate key
        pod + "spec: {containers: [{ports: [{containerPort: 0x50}]}]}\n",      // integer other than plain decimal
        pod + "spec: {containers: [{ports: [{containerPort: +80}]}]}\n",
        pod + "spec: {containers: [{ports: [{containerPort: 1_000}]}]}\n",
        pod + "spec: {containers: [{ports: [{containerPort: 99999999999999999999}]}]}\n",
        pod.replacingOccurrences(of: "metadata: {", with: "metadata: {labels: {1: a}, "),  // key that is not a string
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {\"\u{212A}\": a, K: b}}\n",  // non-ASCII key
        "apiVersion: v1\nkind: ~\nmetadata: {name: web}\n",                    // kind that is not a string
        "\u{FEFF}" + pod,                                                      // byte order mark
        pod + "spec: {nodeName: \"\u{FEFF}a\"}\n",
        pod + "spec: [\n",                                                     // syntax error
        "just text\n",                                                         // not a mapping
        "apiVersion: v1\nkind: List\nitems: [1, {kind: Pod}]\n",               // an item that is not a mapping
        "apiVersion: v1\nkind: Pod\nitems: [{kind: Pod}]\n",                   // items in an object that is no List
        pod + "spec: {containers: [{ports: [{containerPort: true}]}]}\n",      // a type error
        "apiVersion: v1\nkind: Pod\n",                                         // an invalid object: no metadata
    ])
    func declined(text: String) {
        #expect(YAMLManifestOutcome.fast(text) == nil)
        #expect(YAMLManifestOutcome.read(text) == YAMLManifestOutcome.today(text))
    }

    @Test("clean files with nothing to load, Lists without items and items before kind take the fast path", arguments: [
        "", "# nothing\n", "apiVersion: v1\nkind: List\n", "apiVersion: v1\nkind: List\nitems: []\n", "kind: List\nitems: ~\n",
        "items:\n- " + pod.replacingOccurrences(of: "\n", with: "\n  ") + "\nkind: List\n",
        "---\n" + pod + "...\n---\n" + pod.replacingOccurrences(of: "web", with: "db"),
        pod + "spec: {containers: [{ports: [{containerPort: 0}, {containerPort: -5}]}]}\n",
        pod + "spec: {nodeName: \"tab\\there, quote \\\" backslash \\\\ nul \\0 é\"}\n",
    ])
    func cleanEdgeCases(text: String) {
        let fast = YAMLManifestOutcome.fast(text)
        #expect(fast != nil)
        #expect(fast == YAMLManifestOutcome.today(text))
    }
}
