import ClusterModel
import Foundation
import Testing

/// Every message a manifest can give at decoding, pinned word for word as the YAML → JSON → JSONDecoder
/// path of main 86d1d1f printed them, for the same object written as YAML and as JSON: a faster decoding
/// path must print the same thing. `FILE` stands for the file's path.
@Suite("Manifest messages")
struct ManifestMessageTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var yaml: String
        var json: String?
        /// What `load` reports: every error, then every skipped kind.
        var reported: [String]
        var testDescription: String { yaml }
    }

    /// A NetworkPolicy shop/bad whose spec is YAML (flow style) and JSON.
    static func policy(_ yaml: String, _ json: String, _ reported: String...) -> Case { policy(yaml, json, reported) }

    static func policy(_ yaml: String, _ json: String?, _ reported: [String]) -> Case {
        Case(yaml: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\nspec: \(yaml)\n",
             json: json.map { #"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "bad", "namespace": "shop"}, "spec": \#($0)}"# },
             reported: reported)
    }

    /// A NetworkPolicy shop/bad whose port is 80 and whose endPort is written in YAML.
    static func endPort(_ yaml: String, _ reported: String...) -> Case {
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: \(yaml)}]}]}", nil, reported)
    }

    /// A Pod shop/web whose container is YAML (flow style) and JSON.
    static func pod(_ yaml: String, _ json: String, _ reported: String...) -> Case {
        Case(yaml: "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [\(yaml)]}\n",
             json: #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"containers": [\#(json)]}}"#,
             reported: reported)
    }

    static let prefix = "FILE#1: NetworkPolicy shop/bad: "

    @Test("type errors, number spellings, nulls and duplicate keys: the same message from YAML and JSON", arguments: [
        policy("{podSelector: {}, ingress: [{ports: [{port: true}]}]}", #"{"podSelector": {}, "ingress": [{"ports": [{"port": true}]}]}"#,
               prefix + "spec.ingress[0].ports[0].port: Expected to decode String but found bool instead."),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: \"90\"}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": "90"}]}]}"#,
               prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        policy("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: [10.0.0.0/8]}}]}]}",
               #"{"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": ["10.0.0.0/8"]}}]}]}"#,
               prefix + "spec.egress[0].to[0].ipBlock.cidr: Expected to decode String but found an array instead."),
        policy("{podSelector: {}, ingress: [{from: {podSelector: {}}}]}", #"{"podSelector": {}, "ingress": [{"from": {"podSelector": {}}}]}"#,
               prefix + "spec.ingress[0].from: Expected to decode Array<Any> but found a dictionary instead."),
        policy("{podSelector: {matchLabels: {app: [web]}}}", #"{"podSelector": {"matchLabels": {"app": ["web"]}}}"#,
               prefix + "spec.podSelector.matchLabels.app: Expected to decode String but found an array instead."),
        policy("{podSelector: {}, policyTypes: Ingress}", #"{"podSelector": {}, "policyTypes": "Ingress"}"#,
               prefix + "spec.policyTypes: Expected to decode Array<Any> but found a string instead."),
        policy("{podSelector: {matchLabels: {enabled: true}}}", #"{"podSelector": {"matchLabels": {"enabled": true}}}"#,
               prefix + "spec.podSelector.matchLabels.enabled: Expected to decode String but found bool instead."),
        policy("{podSelector: {matchLabels: {version: 2}}}", #"{"podSelector": {"matchLabels": {"version": 2}}}"#,
               prefix + "spec.podSelector.matchLabels.version: Expected to decode String but found number instead."),
        policy("{podSelector: {}, ingress: [{ports: [{port: 1.5}]}]}", #"{"podSelector": {}, "ingress": [{"ports": [{"port": 1.5}]}]}"#,
               prefix + "spec.ingress[0].ports[0].port: Expected to decode String but found number instead."),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 1.5}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": 1.5}]}]}"#,
               prefix + ": The given data was not valid JSON."),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 99999999999999999999}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": 99999999999999999999}]}]}"#,
               prefix + ": The given data was not valid JSON."),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 80.0}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": 80.0}]}]}"#),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: 1e3}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": 1e3}]}]}"#),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, endPort: null}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": null}]}]}"#),
        policy("{podSelector: {}, ingress: [null]}", #"{"podSelector": {}, "ingress": [null]}"#,
               prefix + "spec.ingress[0]: Cannot get keyed decoding container -- found null value instead"),
        policy("{podSelector: {}, policyTypes: [Ingress, null]}", #"{"podSelector": {}, "policyTypes": ["Ingress", null]}"#,
               prefix + "spec.policyTypes[1]: Cannot get value of type String -- found null value instead"),
        policy("{podSelector: {}, ingress: [{ports: [{port: 80, port: 81, endPort: 80}]}]}",
               #"{"podSelector": {}, "ingress": [{"ports": [{"port": 80, "port": 81, "endPort": 80}]}]}"#,
               prefix + "spec.ingress[0].ports[0].endPort: endPort 80 must not be below port 81"),
        pod("{name: c, ports: [{containerPort: eighty}]}", #"{"name": "c", "ports": [{"containerPort": "eighty"}]}"#,
            "FILE#1: Pod shop/web: spec.containers[0].ports[0].containerPort: Expected to decode Int but found a string instead."),
        pod("null", "null", "FILE#1: Pod shop/web: spec.containers[0]: Cannot get keyed decoding container -- found null value instead"),
        Case(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: null\n", json: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": null}"#,
             reported: ["FILE#1: Namespace (unnamed): metadata: Cannot get keyed decoding container -- found null value instead"]),
        Case(yaml: "apiVersion: v1\nkind: Namespace\n", json: #"{"apiVersion": "v1", "kind": "Namespace"}"#,
             reported: ["FILE#1: Namespace (unnamed): metadata: must be set"]),
        Case(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {x: 1}}\n",
             json: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"x": 1}}}"#,
             reported: ["FILE#1: Namespace a: metadata.labels.x: Expected to decode String but found number instead."]),
        Case(yaml: "- a\n- b\n", json: #"["a", "b"]"#, reported: ["FILE#1: not a Kubernetes object (expected a mapping)"]),
        Case(yaml: "apiVersion: v1\nmetadata: {name: x}\n", json: #"{"apiVersion": "v1", "metadata": {"name": "x"}}"#,
             reported: ["FILE#1: kind: must be set"]),
        Case(yaml: "apiVersion: v1\nkind: List\nitems: [7, {kind: Namespace}, {apiVersion: v1, kind: Namespace, metadata: {name: 5}}]\n",
             json: #"{"apiVersion": "v1", "kind": "List", "items": [7, {"kind": "Namespace"}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": 5}}]}"#,
             reported: ["FILE#1 items[0]: not a Kubernetes object (expected a mapping)",
                        "FILE#1 items[2]: Namespace 5: metadata.name: Expected to decode String but found number instead.",
                        "skipped FILE#1 items[1]: Namespace"]),
        Case(yaml: "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: mistyped}\n"
                 + "spec: {tier: Admin, priority: high, subject: {namespaces: {}}}\n",
             json: #"{"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "mistyped"}, "#
                 + #""spec": {"tier": "Admin", "priority": "high", "subject": {"namespaces": {}}}}"#,
             reported: ["FILE#1: ClusterNetworkPolicy mistyped: spec.priority: Expected to decode Int but found a string instead."]),
        Case(yaml: "kind: 5\n", json: #"{"kind": 5}"#, reported: ["skipped FILE#1: 5"]),
        Case(yaml: "apiVersion: v1\nkind: NamespaceList\nitems: {}\n", json: #"{"apiVersion": "v1", "kind": "NamespaceList", "items": {}}"#,
             reported: []),
    ])
    func sameFromYAMLAndJSON(_ pinned: Case) throws { try check(pinned) }

    @Test("YAML scalars are typed by their resolved tag, as kubectl types them", arguments: [
        endPort("0x4F", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("017", prefix + "spec.ingress[0].ports[0].endPort: endPort 15 must not be below port 80"),
        endPort("0o17", prefix + "spec.ingress[0].ports[0].endPort: endPort 15 must not be below port 80"),
        endPort("7_9", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("1:19", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("0b1001111", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("79.0", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("7.9e1", prefix + "spec.ingress[0].ports[0].endPort: endPort 79 must not be below port 80"),
        endPort("!!int \"79\"", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        endPort("!!str 79", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        endPort("\"79\"", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        endPort(".inf", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        endPort("~"),
        endPort("2024-03-01", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found a string instead."),
        endPort("yes", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found bool instead."),
        endPort("Off", prefix + "spec.ingress[0].ports[0].endPort: Expected to decode Int but found bool instead."),
        policy("{podSelector: {matchLabels: {a: NULL}}}", nil,
               [prefix + "spec.podSelector.matchLabels.a: Cannot get value of type String -- found null value instead"]),
        policy("{podSelector: {matchLabels: {a: on}}}", nil,
               [prefix + "spec.podSelector.matchLabels.a: Expected to decode String but found bool instead."]),
        Case(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: 012}\n", json: nil,
             reported: ["FILE#1: Namespace 012: metadata.name: Expected to decode String but found number instead."]),
        Case(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {=: b}}\n", json: nil, reported: []),
        Case(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n", json: nil, reported: [
            "FILE: unparsable YAML: 4:1: error: parser: while parsing a flow sequence in line 3, column 18\ndid not find expected ',' or ']':\nmetadata: {name: [unclosed\n^",
        ]),
        Case(yaml: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"},}"#,
             json: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"},}"#, reported: []),
        Case(yaml: laughs, json: nil, reported: ["FILE#1: Namespace laughs: expands to more than 100000 YAML nodes through aliases"]),
    ])
    func yamlScalars(_ pinned: Case) throws { try check(pinned) }

    /// Aliases nested seven deep: three million nodes from a 1 KiB text.
    static var laughs: String {
        var text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: laughs}\nx0: &a0 [l, l, l, l, l, l, l, l, l, l]\n"
        for level in 1...6 {
            text += "x\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: level == 6 ? 2 : 10).joined(separator: ", "))]\n"
        }
        return text
    }

    @Test("a file that is not UTF-8 is named")
    func notUTF8() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("case.json", "")
        try Data(#"{"kind": "?"}"#.utf8.map { $0 == UInt8(ascii: "?") ? 0xFF : $0 }).write(to: URL(fileURLWithPath: file))
        #expect(load(paths: [file]).errors == ["\(file): not UTF-8 text"])
    }

    private func check(_ pinned: Case) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (name, text) in [("case.yaml", pinned.yaml), ("case.json", pinned.json)] {
            guard let text else { continue }
            let file = try directory.write(name, text)
            let loaded = load(paths: [file])
            let reported = loaded.errors + loaded.skipped.map { "skipped " + $0 }
            #expect(reported == pinned.reported.map { $0.replacingOccurrences(of: "FILE", with: file) }, "\(name)")
        }
    }
}
