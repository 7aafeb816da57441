import ClusterModel
import Compiler
import Foundation
import Manifests
import Testing

/// A temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "compiler-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Loads like `--dry-run` does: every valid object is kept, every problem reported.
func load(paths: [String]) -> (state: ClusterState, skipped: [String], errors: [String]) {
    let loaded = LoadedManifests(paths: paths)
    return (loaded.cluster, loaded.skipped.map { "\($0.source): \($0.kind)" }, loaded.errors)
}

@Suite("Manifests")
struct ManifestTests {
    @Test("a directory: every .yaml, .yml and .json, sorted; other files ignored")
    func directory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("b.yml", Manifest.namespace("from-yml"))
        try directory.write("a.json", Manifest.namespace("from-json"))
        try directory.write("c.yaml", Manifest.namespace("from-yaml"))
        try directory.write("C.YAML", Manifest.namespace("from-upper"))
        try directory.write("notes.txt", "not: [a manifest")
        try directory.write("README", "nothing")
        let documents = try ManifestReader.read(paths: [directory.path])
        #expect(documents.map { ($0.source as NSString).lastPathComponent } == ["C.YAML#1", "a.json#1", "b.yml#1", "c.yaml#1"])
        let loaded = load(paths: [directory.path])
        #expect(loaded.errors.isEmpty)
        #expect(loaded.state.namespaces.map(\.name) == ["from-json", "from-upper", "from-yaml", "from-yml"])
    }

    @Test("files and directories together, and a missing path named")
    func severalPaths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("one/ns.yaml", Manifest.namespace("one"))
        try directory.write("two/ns.yaml", Manifest.namespace("two"))
        let documents = try ManifestReader.read(paths: [file, directory.path + "/two"])
        #expect(documents.count == 2)
        #expect(throws: ManifestError.self) { try ManifestReader.read(paths: [directory.path + "/missing.yaml"]) }
        do {
            _ = try ManifestReader.read(paths: [directory.path + "/missing.yaml"])
        } catch {
            #expect(error.source.hasSuffix("/missing.yaml"))
        }
    }

    @Test("multi-document YAML, with empty documents and comments")
    func multiDocument() throws {
        let text = """
            # leading comment
            \(Manifest.namespace("a"))
            ---
            \(Manifest.pod("p", ns: "a", ips: ["10.0.0.1"]))
            ---
            \(Manifest.policy("deny", ns: "a", spec: "podSelector: {}"))
            """
        let documents = try ManifestReader.parse(text, source: "multi.yaml")
        #expect(documents.map(\.source) == ["multi.yaml#1", "multi.yaml#2", "multi.yaml#3"])
        let state = try cluster([text])
        #expect(state.namespaces.count == 1 && state.pods.count == 1 && state.policies.count == 1)
    }

    @Test("kind: List and typed lists are unpacked, items named by position")
    func lists() throws {
        let text = """
            {"apiVersion": "v1", "kind": "List", "items": [\(Manifest.namespace("a")), \(Manifest.pod("p", ns: "a", ips: ["10.0.0.1"]))]}
            ---
            apiVersion: v1
            kind: PodList
            items:
            - \(Manifest.pod("q", ns: "a", ips: ["10.0.0.2"]))
            """
        let documents = try ManifestReader.parse(text, source: "list.yaml")
        #expect(documents.map(\.source) == ["list.yaml#1 items[0]", "list.yaml#1 items[1]", "list.yaml#2 items[0]"])
        let state = try cluster([text])
        #expect(state.pods.map(\.name) == ["p", "q"])
    }

    @Test("unknown kinds are skipped with what they are")
    func unknownKinds() throws {
        let text = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            ---
            apiVersion: networking.k8s.io/v1beta1
            kind: NetworkPolicy
            metadata: {name: old}
            ---
            \(Manifest.namespace("kept"))
            """
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("mixed.yaml", text)
        let loaded = load(paths: [file])
        #expect(loaded.errors.isEmpty)
        #expect(loaded.skipped == ["\(file)#1: v1 Service", "\(file)#2: networking.k8s.io/v1beta1 NetworkPolicy"])
        #expect(loaded.state.namespaces.map(\.name) == ["kept"])
    }

    @Test("ClusterNetworkPolicies and Nodes are loaded; an invalid one is an error naming it without a namespace")
    func clusterScopedKinds() throws {
        let text = """
            \(Manifest.clusterPolicy("guard", spec: "tier: Admin\npriority: 1\nsubject: {namespaces: {}}"))
            ---
            \(Manifest.clusterPolicy("bad", spec: "tier: Admin\npriority: 2000\nsubject: {namespaces: {}}"))
            ---
            \(Manifest.clusterPolicy("mistyped", spec: "tier: Admin\npriority: high\nsubject: {namespaces: {}}"))
            ---
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}}
            """
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("cluster.yaml", text)
        let loaded = load(paths: [file])
        #expect(loaded.state.clusterPolicies.map(\.name) == ["guard"])
        #expect(loaded.state.nodes.map(\.name) == ["n1"])
        #expect(loaded.errors.count == 2)
        #expect(loaded.errors.first?.hasPrefix("\(file)#2: ClusterNetworkPolicy bad: spec.priority: ") == true, "\(loaded.errors)")
        #expect(loaded.errors.last?.hasPrefix("\(file)#3: ClusterNetworkPolicy mistyped: spec.priority: ") == true, "\(loaded.errors)")
    }

    @Test("unparsable YAML names the file")
    func unparsable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("broken.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n")
        let loaded = load(paths: [directory.path])
        #expect(loaded.errors.count == 1)
        #expect(loaded.errors.first?.hasPrefix(file) == true, "\(loaded.errors)")
    }

    @Test("a document that is not an object, or has no kind, is an error naming its source")
    func notAnObject() throws {
        for (text, message) in [("- a\n- b", "not a Kubernetes object"), ("apiVersion: v1\nmetadata: {name: x}", "kind")] {
            let documents = try ManifestReader.parse(text, source: "odd.yaml")
            #expect(throws: ManifestError.self) { try documents[0].decode() }
            do { _ = try documents[0].decode() } catch {
                #expect(error.source == "odd.yaml#1")
                #expect(error.message.contains(message))
            }
        }
    }

    /// Failure mode: YAML aliases nested nine deep ("billion laughs") expanded without bound and hung the
    /// reader (a timeout of `scripts/fuzz FuzzManifest`, seed Fuzz/Corpus/FuzzManifest/timeout-alias-expansion.yaml).
    /// Here three million nodes from a 1 KiB text, which used to be built in full (and the namespace accepted);
    /// aliases that stay within the budget still work.
    @Test("aliases that expand past any real object are an error, not a hang")
    func aliasExpansionIsBounded() throws {
        var text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: laughs}\nx0: &a0 [l, l, l, l, l, l, l, l, l, l]\n"
        for level in 1...6 {
            let width = level == 6 ? 2 : 10
            text += "x\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", "))]\n"
        }
        let error = try #require(try decodeError(text))
        #expect(error.contains("Namespace laughs: expands to more than 100000 YAML nodes"), "\(error)")
        #expect(try decodeError("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: &l {x: y}}\ny: [*l, *l]") == nil)
    }

    /// The error one manifest text gives at decoding, as the agent prints it.
    func decodeError(_ text: String) throws -> String? {
        let documents = try ManifestReader.parse(text, source: "dir/app.yaml")
        do {
            _ = try documents[0].decode()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a type error names the file, the object and the field", arguments: [
        ("podSelector: {}\ningress: [{ports: [{port: true}]}]", "spec.ingress[0].ports[0].port"),
        ("podSelector: {}\ningress: [{ports: [{port: 80, endPort: \"90\"}]}]", "spec.ingress[0].ports[0].endPort"),
        ("podSelector: {}\negress: [{to: [{ipBlock: {cidr: [10.0.0.0/8]}}]}]", "spec.egress[0].to[0].ipBlock.cidr"),
        ("podSelector: {}\ningress: [{from: {podSelector: {}}}]", "spec.ingress[0].from"),
        ("podSelector: {matchLabels: {app: [web]}}", "spec.podSelector.matchLabels.app"),
        ("podSelector: {}\npolicyTypes: Ingress", "spec.policyTypes"),
        ("podSelector: {matchLabels: {enabled: true}}", "spec.podSelector.matchLabels.enabled"),
        ("podSelector: {matchLabels: {version: 2}}", "spec.podSelector.matchLabels.version"),
        ("podSelector: {}\ningress: [{ports: [{port: 1.5}]}]", "spec.ingress[0].ports[0].port"),
    ])
    func policyTypeError(spec: String, field: String) throws {
        let message = try #require(try decodeError(Manifest.policy("bad", ns: "shop", spec: spec)), "\(spec) decoded")
        #expect(message.hasPrefix("dir/app.yaml#1: NetworkPolicy shop/bad: \(field): "), "\(message)")
    }

    @Test("YAML scalars decode by their type, as kubectl sends them: quoted ones and timestamps are strings")
    func scalarTypes() throws {
        let state = try cluster(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: shop
              creationTimestamp: 2024-03-01T10:00:00Z
              labels: {enabled: "true", version: "2"}
            spec:
              nodeName: node-1
              containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
            status: {phase: Running, podIP: 10.0.0.1}
            """,
            Manifest.policy("p", ns: "shop", spec: """
                podSelector: {matchLabels: {enabled: "true"}}
                ingress:
                - ports: [{port: http}, {port: 9000, endPort: 9001}]
                  from: ~
                """))
        let pod = try #require(state.pods.first)
        #expect(pod.creationTimestamp == "2024-03-01T10:00:00Z")
        #expect(pod.labels == ["enabled": "true", "version": "2"])
        let rule = try #require(state.policies.first?.ingress.first)
        #expect(rule.peers == nil)
        #expect(rule.ports == [PolicyPort(proto: .tcp, target: .named("http")), PolicyPort(proto: .tcp, target: .numbers(9000...9001))])
        #expect(compile(state).allows("10.9.9.9", "10.0.0.1", .tcp, 8080))
    }

    @Test("YAML anchors and merge keys: written keys win, then earlier merged maps")
    func mergeKeys() throws {
        let state = try cluster(Manifest.policy("p", spec: """
            podSelector: {}
            ingress:
            - ports:
              - &udp {port: 80, protocol: UDP}
              - &range {protocol: SCTP, port: 1000, endPort: 1010}
              - <<: *udp
                port: 81
              - <<: [*udp, *range]
              - *range
            """))
        #expect(state.policies.first?.ingress.first?.ports == [
            PolicyPort(proto: .udp, target: .numbers(80...80)),
            PolicyPort(proto: .sctp, target: .numbers(1000...1010)),
            PolicyPort(proto: .udp, target: .numbers(81...81)),
            PolicyPort(proto: .udp, target: .numbers(80...1010)),
            PolicyPort(proto: .sctp, target: .numbers(1000...1010)),
        ])
    }

    @Test("a type error in a pod names the field")
    func podTypeError() throws {
        let text = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: shop}
            spec:
              containers:
              - name: c
                ports: [{containerPort: eighty}]
            """
        let message = try #require(try decodeError(text))
        #expect(message.hasPrefix("dir/app.yaml#1: Pod shop/web: spec.containers[0].ports[0].containerPort: "), "\(message)")
    }

    @Test("an invalid object is rejected alone: the rest of its file still loads")
    func invalidObjectsPerObject() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("mixed.yaml", [
            Manifest.namespace("shop"),
            Manifest.policy("bad", ns: "shop", spec: "podSelector: {}\ningress: [{ports: [{protocol: tcp}]}]"),
            Manifest.pod("web", ns: "shop", ips: ["10.0.0.1"]),
            Manifest.policy("typed-badly", ns: "shop", spec: "podSelector: {}\ningress: [{ports: [{port: 80, endPort: eighty}]}]"),
            Manifest.policy("good", ns: "shop", spec: "podSelector: {}\ningress: []"),
        ].joined(separator: "\n---\n"))
        let loaded = load(paths: [file])
        #expect(loaded.errors.count == 2)
        #expect(loaded.errors.first == "\(file)#2: NetworkPolicy shop/bad: spec.ingress[0].ports[0].protocol: unknown protocol \"tcp\"; expected TCP, UDP or SCTP")
        #expect(loaded.errors.last?.hasPrefix("\(file)#4: NetworkPolicy shop/typed-badly: spec.ingress[0].ports[0].endPort: ") == true)
        #expect(loaded.state.namespaces.map(\.name) == ["shop"])
        #expect(loaded.state.pods.map(\.name) == ["web"])
        #expect(loaded.state.policies.map(\.name) == ["good"])
    }

    @Test("a JSON List validated on every core: errors in item order, pods sorted by namespace and name, the later duplicate kept")
    func jsonListValidatedInParallel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func pod(_ index: Int) -> String {
            let ip = index % 50 == 7 ? "10.0.0.bad" : "10.0.\(index / 250).\(index % 250)"
            return #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-\#(index % 300)","namespace":"ns-\#(index % 3)"},"#
                + #""status":{"phase":"Running","podIPs":[{"ip":"\#(ip)"}]}}"#
        }
        // Enough items for every worker; items 300 and up repeat the names of items 0 to 99.
        let file = try directory.write("pods.json", #"{"apiVersion":"v1","kind":"List","items":["# + (0..<400).map(pod).joined(separator: ",") + "]}")
        let loaded = load(paths: [file])
        let invalid = (0..<400).filter { $0 % 50 == 7 }
        #expect(loaded.errors == invalid.map {
            "\(file)#1 items[\($0)]: Pod ns-\($0 % 3)/web-\($0 % 300): status.podIPs[0].ip: invalid IP address \"10.0.0.bad\""
        })
        let kept = (0..<400).filter { !invalid.contains($0) && !($0 < 100 && !invalid.contains($0 + 300)) }
        let expected = kept.map { ("ns-\($0 % 3)", "web-\($0 % 300)", "10.0.\($0 / 250).\($0 % 250)") }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        #expect(loaded.state.pods.map { "\($0.namespace)/\($0.name) \($0.addresses)" }
            == expected.map { "\($0.0)/\($0.1) \([ip($0.2)])" })
    }

    /// Items are decoded as the scan finds them, before it knows whether the file is a List this path
    /// reads: what loads must follow what the scan decides in the end.
    @Test("a JSON List's items decode while it is scanned; a List read as YAML after all, or a non-List with items, loads as before",
          arguments: [#""#, #","extra":1.5"#])
    func itemsDecodedWhileScanned(trailer: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let count = 2 * 2048 + 5
        let pods = (0..<count).map { #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p-\#($0)","namespace":"ns"},"#
            + #""status":{"phase":"Running","podIPs":[{"ip":"10.1.\#($0 / 250).\#($0 % 250)"}]}}"# }
        // A number that is not an integer makes the whole file YAML's, found only after every item.
        let list = try directory.write("list.json", #"{"apiVersion":"v1","kind":"List","items":["# + pods.joined(separator: ",") + "]\(trailer)}")
        let loaded = load(paths: [list])
        #expect(loaded.errors.isEmpty)
        #expect(loaded.state.pods.map(\.name) == (0..<count).map { "p-\($0)" }.sorted())
        let namespace = try directory.write("namespace.json",
                                            #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"},"items":["# + pods[0] + "]\(trailer)}")
        let alone = load(paths: [namespace])
        #expect(alone.errors.isEmpty && alone.state.pods.isEmpty && alone.state.namespaces.map(\.name) == ["ns"])
    }

    @Test("a later object with the same name replaces the earlier one")
    func laterObjectWins() throws {
        let state = try cluster(
            Manifest.pod("web", ips: ["10.0.0.1"], node: "node-2"),
            Manifest.pod("web", ips: ["10.0.0.9"]))
        #expect(state.pods.count == 1)
        #expect(state.pods.first?.addresses == [ip("10.0.0.9")])
    }
}
