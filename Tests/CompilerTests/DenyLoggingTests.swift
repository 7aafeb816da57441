import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// `--log-denied`: every deny rule logs through the node's one limit, and denies exactly as without logging.
@Suite("Deny logging")
struct DenyLoggingTests {
    static let logging = DenyLogging(group: 7, packetsPerSecond: 5)
    static let policies = [Manifest.policy("default-deny", ns: "beta", spec: "podSelector: {}\npolicyTypes: [Ingress, Egress]")]
    static let clusterPolicies = [
        ClusterNetworkPolicy.admin("deny-db", subject: .namespace(team: "a"), egress: [.accept(.team("mon")), .deny(.team("b"), name: "no-db")]),
        ClusterNetworkPolicy.baseline("quiet", ingress: [.deny(.team("mon"))]),
    ]

    private static func compiler(logging: DenyLogging?) throws -> NodeCompiler {
        nodeCompiler(try TestCluster.state(policies: policies, clusterPolicies: clusterPolicies), options: CompilerOptions(denyLogging: logging))
    }

    @Test("each deny rule is a logging rule through the limit and, after it, the same deny counting what was suppressed")
    func denyRulesLogThenDeny() throws {
        var compiler = try Self.compiler(logging: Self.logging)
        let table = compiler.ruleset().table
        #expect(table.limits == [NamedLimit(name: DenyLogging.limitName, packetsPerSecond: 5, burst: DenyLogging.defaultBurst,
                                            comment: table.limits.first?.comment)])
        #expect(table.counters.contains { $0.name == DenyLogging.suppressedCounterName })
        let attribution = compiler.denyLogAttribution
        var logged: Set<String> = []
        for chain in table.chains where chain.hook == nil {
            for (position, rule) in chain.rules.enumerated() {
                guard let log = rule.log else {
                    #expect(rule.namedCounter.flatMap { compiler.counterAttribution[$0]?.verdict } != .denied,
                            "\(chain.name)[\(position)] denies without logging")
                    continue
                }
                logged.insert(log.prefix)
                #expect(log == LogStatement(group: 7, prefix: rule.namedCounter!, limit: DenyLogging.limitName))
                #expect(attribution[log.prefix] == compiler.counterAttribution[rule.namedCounter!])
                #expect(log.prefix.utf8.count <= LogStatement.maximumPrefixLength)
                let next = try #require(chain.rules.dropFirst(position + 1).first, "\(chain.name): nothing after the logging rule")
                #expect(next == Rule(matches: rule.matches, namedCounter: DenyLogging.suppressedCounterName, action: rule.action,
                                     comment: rule.comment))
            }
        }
        // Every deny logs: beta's ingress and egress chains, the Admin Deny, the Baseline Deny.
        #expect(logged == Set(attribution.keys) && logged.count == 4)
        #expect(Set(attribution.values.map(\.tier)) == [.networkPolicy, .admin, .baseline])
    }

    @Test("without the logging rules and their followers the table is the one compiled without logging")
    func loggingAddsNothingElse() throws {
        var logging = try Self.compiler(logging: Self.logging), plain = try Self.compiler(logging: nil)
        var withLogging = logging.ruleset().table, without = plain.ruleset().table
        for index in withLogging.chains.indices {
            withLogging.chains[index].rules = withLogging.chains[index].rules.compactMap { rule in
                guard rule.namedCounter != DenyLogging.suppressedCounterName else { return nil }
                var copy = rule
                copy.log = nil
                return copy
            }
        }
        withLogging.limits = []
        withLogging.counters.removeAll { $0.name == DenyLogging.suppressedCounterName }
        #expect(withLogging == without)
        #expect(plain.denyLogAttribution.isEmpty && plain.denyLogContext == nil)
    }

    @Test("logging is not a verdict: the evaluator judges every pair alike with and without it")
    func verdictsAreUnchanged() throws {
        var logging = try Self.compiler(logging: Self.logging), plain = try Self.compiler(logging: nil)
        let withLogging = logging.ruleset(), without = plain.ruleset()
        let addresses = [TestCluster.web1, TestCluster.db1, TestCluster.web2, TestCluster.db2, TestCluster.prom2, TestCluster.external]
        var denied = 0
        for source in addresses {
            for destination in addresses where destination != source {
                for (proto, port) in [(L4Protocol.tcp, UInt16(80)), (.udp, 5353)] {
                    let allowed = without.allows(source, destination, proto, port)
                    #expect(withLogging.allows(source, destination, proto, port) == allowed, "\(source) → \(destination) \(proto):\(port)")
                    if !allowed { denied += 1 }
                }
            }
        }
        #expect(denied > 0)
    }

    @Test("the context names the pod of an address and the CNP rule of a prefix")
    func contextNamesPodsAndRules() throws {
        var compiler = try Self.compiler(logging: Self.logging)
        _ = compiler.ruleset()
        let context = try #require(compiler.denyLogContext)
        #expect(context.node == "node-1")
        #expect(context.pod(owning: ip(TestCluster.db2)) == ObjectReference(kind: "Pod", namespace: "beta", name: "db-2"))
        #expect(context.pod(owning: ip(TestCluster.external)) == nil)
        let admin = try #require(context.attribution.values.first { $0.tier == .admin })
        #expect(admin.clusterRule == ClusterRuleIdentity(index: 1, name: "no-db", action: .deny))
        #expect(admin.direction == .egress && admin.policies.map(\.name) == ["deny-db"])
    }

    @Test("the text form is what nft prints")
    func rendering() {
        let rule = Rule(namedCounter: "deny_x", log: LogStatement(group: 100, prefix: "deny_x", limit: "deny_log"), action: .verdict(.drop))
        #expect(NftTextRenderer.render(rule) == #"counter name "deny_x" limit name "deny_log" log prefix "deny_x" group 100 drop"#)
        let text = NftTextRenderer.render(Ruleset(table: Table(family: .inet, name: "t", limits: [NamedLimit(name: "deny_log", packetsPerSecond: 20, burst: 50)])))
        #expect(text.contains("\tlimit deny_log {\n\t\trate 20/second burst 50 packets\n\t}\n"))
    }
}
