import ClusterModel
import Compiler
import Ruleset
import Testing

@Suite("Label selectors")
struct SelectorTests {
    /// Six local pods with different labels.
    static let pods: [(name: String, labels: [String: String], ip: String)] = [
        ("plain", [:], "10.0.0.1"),
        ("web", ["app": "web"], "10.0.0.2"),
        ("web-prod", ["app": "web", "env": "prod"], "10.0.0.3"),
        ("api", ["app": "api"], "10.0.0.4"),
        ("api-dev", ["app": "api", "env": "dev"], "10.0.0.5"),
        ("other", ["env": "prod"], "10.0.0.6"),
    ]

    /// The pods a policy with `selector` as its podSelector isolates (they get an ingress chain).
    func selected(_ selector: String) throws -> Set<String> {
        let documents = Self.pods.map { Manifest.pod($0.name, labels: $0.labels, ips: [$0.ip]) }
            + [Manifest.policy("p", spec: "podSelector: \(selector)\ningress: []")]
        let ruleset = compile(try cluster(documents))
        return Set(Self.pods.filter { ruleset.dispatchChain("ingress", for: ip($0.ip)) != nil }.map(\.name))
    }

    @Test("empty selector selects every pod")
    func empty() throws {
        #expect(try selected("{}") == Set(Self.pods.map(\.name)))
        #expect(try selected("{matchLabels: {}, matchExpressions: []}") == Set(Self.pods.map(\.name)))
    }

    @Test("matchLabels needs every label")
    func matchLabels() throws {
        #expect(try selected("{matchLabels: {app: web}}") == ["web", "web-prod"])
        #expect(try selected("{matchLabels: {app: web, env: prod}}") == ["web-prod"])
        #expect(try selected("{matchLabels: {app: nothing}}") == [])
    }

    @Test("In, NotIn, Exists, DoesNotExist")
    func operators() throws {
        #expect(try selected("{matchExpressions: [{key: app, operator: In, values: [web, api]}]}") == ["web", "web-prod", "api", "api-dev"])
        // NotIn also matches pods without the key at all.
        #expect(try selected("{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}") == ["plain", "web", "api", "api-dev"])
        #expect(try selected("{matchExpressions: [{key: env, operator: Exists}]}") == ["web-prod", "api-dev", "other"])
        #expect(try selected("{matchExpressions: [{key: env, operator: Exists, values: []}]}") == ["web-prod", "api-dev", "other"])
        #expect(try selected("{matchExpressions: [{key: env, operator: DoesNotExist}]}") == ["plain", "web", "api"])
    }

    @Test("matchLabels and matchExpressions must all hold")
    func conjunction() throws {
        #expect(try selected("{matchLabels: {app: api}, matchExpressions: [{key: env, operator: Exists}]}") == ["api-dev"])
        #expect(try selected("""
            {matchExpressions: [{key: app, operator: In, values: [web]}, {key: env, operator: NotIn, values: [prod]}]}
            """) == ["web"])
        #expect(try selected("{matchLabels: {app: web}, matchExpressions: [{key: app, operator: NotIn, values: [web]}]}") == [])
    }

    @Test("equal selectors written differently share one peer set")
    func equalSelectorsShareSets() throws {
        let state = try cluster(
            Manifest.pod("target", labels: ["role": "db"], ips: ["10.0.0.1"]),
            Manifest.pod("client", labels: ["app": "web", "tier": "front"], ips: ["10.0.0.2"], node: "node-2"),
            Manifest.policy("a", spec: """
                podSelector: {matchLabels: {role: db}}
                ingress:
                - from: [{podSelector: {matchLabels: {app: web, tier: front}}}]
                """),
            Manifest.policy("b", spec: """
                podSelector: {}
                ingress:
                - from:
                  - podSelector:
                      matchExpressions:
                      - {key: tier, operator: In, values: [front]}
                      - {key: app, operator: In, values: [web, web]}
                """),
            Manifest.policy("c", spec: """
                podSelector: {}
                ingress:
                - from:
                  - podSelector:
                      matchLabels: {tier: front}
                      matchExpressions: [{key: app, operator: In, values: [web]}]
                """)
        )
        let ruleset = compile(state)
        let chain = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.1")))
        let sets = Set(chain.allowRules.flatMap(\.setNames))
        // One set, used by the rules of all three policies (IPv4 only, as the pods are).
        #expect(sets.count == 1)
        #expect(chain.allowRules.count == 3)
        #expect(ruleset.peerAndPortSets.filter { $0.name.hasPrefix("pods_") }.count == 1)
        #expect(ruleset.allows("10.0.0.2", "10.0.0.1"))
    }

    @Test("In with values in another order or repeated is the same selector")
    func valueOrderDoesNotMatter() throws {
        func setNames(_ values: String) throws -> Set<String> {
            let ruleset = compile(try cluster(
                Manifest.pod("target", ips: ["10.0.0.1"]),
                Manifest.policy("p", spec: "podSelector: {}\ningress:\n- from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: \(values)}]}}]")))
            return Set(ruleset.policyChains.flatMap(\.rules).flatMap(\.setNames))
        }
        let reference = try setNames("[a, b]")
        #expect(try setNames("[b, a]") == reference)
        #expect(try setNames("[b, a, b]") == reference)
        #expect(try setNames("[a, c]") != reference)
    }

    @Test("an empty selector and `Exists` on a key named \"all\" are different peers")
    func everythingIsNotExistsAll() throws {
        let state = try cluster(
            Manifest.pod("open", labels: ["role": "open"], ips: ["10.0.0.1"]),
            Manifest.pod("strict", labels: ["role": "strict"], ips: ["10.0.0.2"]),
            Manifest.pod("client", ips: ["10.0.0.3"], node: "node-2"),
            Manifest.policy("open", spec: """
                podSelector: {matchLabels: {role: open}}
                ingress: [{from: [{podSelector: {}}]}]
                """),
            Manifest.policy("strict", spec: """
                podSelector: {matchLabels: {role: strict}}
                ingress: [{from: [{podSelector: {matchExpressions: [{key: all, operator: Exists}]}}]}]
                """)
        )
        let ruleset = compile(state)
        #expect(ruleset.allows("10.0.0.3", "10.0.0.1"), "podSelector {} admits every pod of the namespace")
        #expect(!ruleset.allows("10.0.0.3", "10.0.0.2"), "the client has no label \"all\"")
    }

    @Test("namespaceSelector operators select namespaces by their labels")
    func namespaceSelectors() throws {
        func allowedSources(_ selector: String) throws -> Set<String> {
            let ruleset = compile(try cluster(
                Manifest.namespace("prod", labels: ["env": "prod"]),
                Manifest.namespace("dev", labels: ["env": "dev"]),
                Manifest.namespace("bare"),
                Manifest.pod("target", ns: "prod", ips: ["10.0.0.1"]),
                Manifest.pod("c-prod", ns: "prod", ips: ["10.0.1.1"], node: "node-2"),
                Manifest.pod("c-dev", ns: "dev", ips: ["10.0.1.2"], node: "node-2"),
                Manifest.pod("c-bare", ns: "bare", ips: ["10.0.1.3"], node: "node-2"),
                Manifest.policy("p", ns: "prod", spec: "podSelector: {}\ningress: [{from: [{namespaceSelector: \(selector)}]}]")))
            return Set([("c-prod", "10.0.1.1"), ("c-dev", "10.0.1.2"), ("c-bare", "10.0.1.3")]
                .filter { ruleset.allows($0.1, "10.0.0.1") }.map(\.0))
        }
        #expect(try allowedSources("{}") == ["c-prod", "c-dev", "c-bare"])
        #expect(try allowedSources("{matchLabels: {env: dev}}") == ["c-dev"])
        #expect(try allowedSources("{matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}") == ["c-prod", "c-bare"])
        #expect(try allowedSources("{matchExpressions: [{key: env, operator: Exists}]}") == ["c-prod", "c-dev"])
        #expect(try allowedSources("{matchExpressions: [{key: env, operator: DoesNotExist}]}") == ["c-bare"])
        // The API server labels every namespace with its name; manifests need not.
        #expect(try allowedSources("{matchLabels: {kubernetes.io/metadata.name: bare}}") == ["c-bare"])
    }
}
