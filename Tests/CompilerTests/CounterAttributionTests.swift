import ClusterModel
import Compiler
import Ruleset
import Testing

/// Named counters: which rules add to which counter, and what `counterAttribution` says each counts.
@Suite("Policy counters")
struct CounterAttributionTests {
    /// web's ingress chain enforces scrape; db's enforces db and scrape; web's egress chain web-egress.
    static let documents = [
        Manifest.namespace("x"),
        Manifest.pod("web", ns: "x", labels: ["app": "web"], ips: ["10.0.1.1"]),
        Manifest.pod("db", ns: "x", labels: ["app": "db"], ips: ["10.0.1.2"]),
        Manifest.pod("client", ns: "x", labels: ["app": "client"], ips: ["10.0.2.1"], node: "node-2"),
        Manifest.policy("scrape", ns: "x", spec: """
            podSelector: {}
            ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 9100}]}]
            """),
        Manifest.policy("db", ns: "x", spec: """
            podSelector: {matchLabels: {app: db}}
            ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
            """),
        Manifest.policy("web-egress", ns: "x", spec: """
            podSelector: {matchLabels: {app: web}}
            policyTypes: [Egress]
            egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]
            """),
    ]

    private static func policy(_ name: String) -> ObjectReference {
        ObjectReference(kind: "NetworkPolicy", namespace: "x", name: name)
    }

    private static func compiler(_ documents: [String]) throws -> NodeCompiler { nodeCompiler(try cluster(documents)) }

    @Test("allow rules add to their policy's counter, deny rules to their chain's; the table declares exactly those")
    func rulesUseAttributedCounters() throws {
        var compiler = try Self.compiler(Self.documents)
        let ruleset = compiler.ruleset()
        let attribution = compiler.counterAttribution
        #expect(Set(ruleset.table.counters.map(\.name)) == Set(attribution.keys))
        for chain in ruleset.policyChains {
            let direction: Direction = chain.name.hasPrefix("ingress") ? .ingress : .egress
            let denied = try #require(chain.rules.last?.namedCounter.flatMap { attribution[$0] })
            #expect(denied.verdict == .denied && denied.direction == direction)
            for rule in chain.allowRules {
                let allowed = try #require(rule.namedCounter.flatMap { attribution[$0] })
                #expect(allowed.verdict == .allowed && allowed.direction == direction && allowed.policies.count == 1)
                #expect(denied.policies.contains(allowed.policies[0]), "\(chain.name): \(allowed.policies) not in \(denied.policies)")
            }
        }
    }

    @Test("a policy's allow rules share one counter in every chain; a chain's denied counter names all its policies")
    func sharedAndPerChainCounters() throws {
        var compiler = try Self.compiler(Self.documents)
        let ruleset = compiler.ruleset()
        let scrapeRules = ruleset.policyChains.flatMap(\.rules).filter { $0.comment?.hasPrefix("x/scrape ") == true }
        #expect(scrapeRules.count == 2, "an IPv4 rule in each of two chains: the pods are IPv4 only")
        #expect(Set(scrapeRules.map(\.namedCounter)) == ["allow_x_scrape_ingress"])
        #expect(compiler.counterAttribution["allow_x_scrape_ingress"]
            == CounterAttribution(policies: [Self.policy("scrape")], direction: .ingress, verdict: .allowed))
        #expect(compiler.counterAttribution["allow_x_web-egress_egress"]
            == CounterAttribution(policies: [Self.policy("web-egress")], direction: .egress, verdict: .allowed))
        let denied = compiler.counterAttribution.values.filter { $0.verdict == .denied }.map(\.policies)
        #expect(Set(denied) == [[Self.policy("db"), Self.policy("scrape")], [Self.policy("scrape")], [Self.policy("web-egress")]])
        let comments = Dictionary(uniqueKeysWithValues: ruleset.table.counters.map { ($0.name, $0.comment) })
        #expect(comments["allow_x_scrape_ingress"] == "ingress allowed by x/scrape")
        #expect(comments.values.contains("denied ingress of pods selected by x/db, x/scrape"))
    }

    @Test("a policy isolating both directions has an allowed counter for each")
    func bothDirections() throws {
        var compiler = try Self.compiler(Array(Self.documents.prefix(4)) + [Manifest.policy("both", ns: "x", spec: """
            podSelector: {matchLabels: {app: web}}
            ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]
            egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]
            """)])
        _ = compiler.ruleset()
        let allowed = compiler.counterAttribution.filter { $0.value.verdict == .allowed }
        #expect(allowed == [
            "allow_x_both_ingress": CounterAttribution(policies: [Self.policy("both")], direction: .ingress, verdict: .allowed),
            "allow_x_both_egress": CounterAttribution(policies: [Self.policy("both")], direction: .egress, verdict: .allowed),
        ])
    }

    @Test("a policy that allows nothing has only its chain's denied counter")
    func denyAll() throws {
        let denyAll = Manifest.policy("deny", ns: "x", spec: "podSelector: {}\ningress: []")
        var compiler = try Self.compiler(Array(Self.documents.prefix(4)) + [denyAll])
        let ruleset = compiler.ruleset()
        #expect(Array(compiler.counterAttribution.values) == [
            CounterAttribution(policies: [Self.policy("deny")], direction: .ingress, verdict: .denied),
        ])
        #expect(ruleset.table.counters.count == 1)
    }

    @Test("counter names stay readable up to 64 bytes; longer ones hash the policy, and the comment names it")
    func longNamesAreHashed() throws {
        let long = "long-" + String(repeating: "x", count: 95)
        var compiler = try Self.compiler(Array(Self.documents.prefix(4)) + [Manifest.policy(long, ns: "x", spec: """
            podSelector: {}
            ingress: [{from: [{podSelector: {}}]}]
            """)])
        let ruleset = compiler.ruleset()
        let counter = try #require(ruleset.table.counters.first { compiler.counterAttribution[$0.name]?.verdict == .allowed })
        #expect(counter.name.range(of: #"^allow_[0-9a-f]{12}_ingress$"#, options: .regularExpression) != nil, "\(counter.name)")
        #expect(counter.comment == "ingress allowed by x/\(long)")
        #expect(compiler.counterAttribution[counter.name]?.policies == [Self.policy(long)])
        #expect(ruleset.table.counters.allSatisfy { $0.name.utf8.count <= 64 })
    }

    /// Pods come and go far more often than policies: their churn must not touch the counters, or the
    /// kernel would lose the values counted so far.
    @Test("pod churn changes neither the counters nor the attribution, only set elements")
    func podChurnKeepsCounters() throws {
        var compiler = try Self.compiler(Self.documents)
        let before = compiler.ruleset()
        let attribution = compiler.counterAttribution
        compiler.upsert(Pod(namespace: "x", name: "web-2", labels: ["app": "web"], nodeName: "node-1", addresses: [ip("10.0.1.3")]))
        compiler.removePod(ObjectReference(kind: "Pod", namespace: "x", name: "client"))
        let after = compiler.ruleset()
        #expect(after.table.counters == before.table.counters)
        #expect(compiler.counterAttribution == attribution)
        let operations = RulesetDiff.operations(from: before, to: after)
        #expect(!operations.isEmpty && operations.allSatisfy(\.isElementUpdate))
    }
}
