import ClusterModel
import Compiler
import Foundation
@testable import Manifests
import Ruleset
import Testing

/// `agent --dry-run/--once --manifests` hands each object to the compiler, on a thread of its own, as it
/// is loaded; the compiler must end as if it had compiled the loaded cluster after the load.
@Suite("Compiling while loading")
struct CompilingAheadTests {
    /// Policies in the first file, pods (more than a hand-off's and a decoding batch's worth, as one JSON
    /// List) in the second, namespaces last; a pod written twice, the second time with other labels and
    /// address; an address two pods claim; pods of this node and of another.
    static let podCount = JSONManifest.batchSize + CompilingAhead.batchSize + 10

    static func files() -> [(name: String, text: String)] {
        let policies = [
            Manifest.policy("web-from-api", ns: "shop", spec: """
                podSelector: {matchLabels: {app: web}}
                ingress: [{from: [{podSelector: {matchLabels: {app: api}}}, {namespaceSelector: {matchLabels: {team: ops}}}],
                           ports: [{port: http}]}]
                """),
            Manifest.policy("api-egress", ns: "shop", spec: """
                podSelector: {matchLabels: {app: api}}
                policyTypes: [Egress]
                egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]
                """),
        ].joined(separator: "\n---\n")
        var pods: [String] = []
        for index in 0..<podCount {
            pods.append(Manifest.pod("p\(index)", ns: index % 3 == 0 ? "ops" : "shop", labels: ["app": index % 2 == 0 ? "web" : "api"],
                                     ips: ["10.\(index / 65536).\(index / 256 % 256).\(index % 256)"],
                                     node: index % 5 == 0 ? "node-1" : "node-2", ports: [("http", 8000 + index % 7, nil)],
                                     created: "2026-01-01T00:00:00Z"))
        }
        // p1 again, now a web pod at another address; p7 newer and on p4's address, which it takes.
        pods.append(Manifest.pod("p1", ns: "shop", labels: ["app": "web"], ips: ["10.200.0.1"], node: "node-1", ports: [("http", 9090, nil)]))
        pods.append(Manifest.pod("p7", ns: "shop", labels: ["app": "api"], ips: ["10.0.0.4"], node: "node-1", created: "2026-02-01T00:00:00Z"))
        let list = #"{"apiVersion": "v1", "kind": "List", "items": ["# + pods.joined(separator: ",\n") + "]}"
        let namespaces = [Manifest.namespace("ops", labels: ["team": "ops"]), Manifest.namespace("shop")].joined(separator: "\n---\n")
        return [("a-policies.yaml", policies), ("b-pods.json", list), ("c-namespaces.yaml", namespaces)]
    }

    @Test("the compiler fed while loading emits the ruleset of the loaded cluster; the large List is announced first")
    func sameRulesetAsAfterLoading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (name, text) in Self.files() { try directory.write(name, text) }
        var ahead = CompilingAhead(NodeCompiler(node: "node-1"))
        var announced: [Int] = []
        let loaded = LoadedManifests(paths: [directory.path], upcoming: { count in
            announced.append(count)
            ahead.expect(count)
        }) { ahead.add($0) }
        var compiler = ahead.finish()
        #expect(loaded.errors.isEmpty)
        // The pods' List, with p1 and p7 again; not the small YAML files.
        #expect(announced == [Self.podCount + 2])
        let expected = NftTextRenderer.render(PolicyCompiler.compile(loaded.cluster, node: "node-1"))
        #expect(expected.contains("10.200.0.1"))
        #expect(NftTextRenderer.render(compiler.ruleset()) == expected)
    }

    @Test("finish with nothing added gives the compiler back as it was given")
    func nothingAdded() {
        var given = NodeCompiler(node: "node-1")
        var ahead = CompilingAhead(given)
        var compiler = ahead.finish()
        #expect(NftTextRenderer.render(compiler.ruleset()) == NftTextRenderer.render(given.ruleset()))
    }
}
