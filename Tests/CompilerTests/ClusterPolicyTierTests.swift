import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// The tier semantics of ClusterNetworkPolicy (Admin → NetworkPolicy → Baseline → allow, per direction),
/// judged by the evaluator on the compiled table. Local pods: web-1 (alpha) and db-1 (beta).
@Suite("ClusterNetworkPolicy tiers")
struct ClusterPolicyTierTests {
    typealias C = TestCluster

    static let allowAllIngress = Manifest.policy("allow-all", ns: "alpha", spec: "podSelector: {}\ningress: [{}]")
    static let denyIngress = Manifest.policy("deny-in", ns: "alpha", spec: "podSelector: {}\npolicyTypes: [Ingress]")
    static let denyEgress = Manifest.policy("deny-out", ns: "alpha", spec: "podSelector: {}\npolicyTypes: [Egress]")

    @Test("Admin comes before NetworkPolicy: Deny beats an NP allow, Accept overrides NP isolation, Pass lets NP decide")
    func adminBeforeNetworkPolicy() throws {
        let deny = try C.compiled(policies: [Self.allowAllIngress], [.admin("x", ingress: [.deny(.team("b"))])])
        #expect(!deny.allows(C.db2, C.web1))
        #expect(deny.allows(C.prom2, C.web1), "no Admin rule matched: the NP allows")

        let accept = try C.compiled(policies: [Self.denyIngress], [.admin("x", ingress: [.accept(.team("b"))])])
        #expect(accept.allows(C.db2, C.web1))
        #expect(!accept.allows(C.prom2, C.web1), "no Admin rule matched: the NP isolates")

        let pass = try C.compiled(policies: [Self.allowAllIngress],
                                  [.admin("x", ingress: [.pass(.team("b"))]), .admin("y", priority: 20, ingress: [.deny(.team("b"))])])
        #expect(pass.allows(C.db2, C.web1), "Pass skips the rest of the Admin tier; the NP allows")
    }

    @Test("Admin Pass without NetworkPolicy reaches Baseline; NetworkPolicy isolation keeps Baseline out")
    func baselineAfterNetworkPolicy() throws {
        let baseline = ClusterNetworkPolicy.baseline("default-deny", ingress: [.deny(.everyPod)])
        let passed = try C.compiled([.admin("x", ingress: [.pass(.team("b"))]), baseline])
        #expect(!passed.allows(C.db2, C.web1))
        #expect(!passed.allows(C.prom2, C.web1))
        #expect(passed.allows(C.external, C.web1), "no Baseline rule matched: default allow")

        let opened = try C.compiled(policies: [Self.allowAllIngress], [.admin("x", ingress: [.pass(.team("b"))]), baseline])
        #expect(opened.allows(C.db2, C.web1), "the NetworkPolicy decides; Baseline is not consulted")
        #expect(!opened.allows(C.db2, C.db1), "beta has no NetworkPolicy: Baseline denies")
    }

    @Test("priority orders policies; equal priorities go by name")
    func priorityAndName() throws {
        let accept = ClusterNetworkPolicy.admin("b-accept", priority: 10, ingress: [.accept(.team("b"))])
        let deny = ClusterNetworkPolicy.admin("a-deny", priority: 10, ingress: [.deny(.team("b"))])
        #expect(!(try C.compiled([accept, deny]).allows(C.db2, C.web1)), "tie: a-deny comes first by name")
        var renamed = deny
        renamed.name = "c-deny"
        #expect(try C.compiled([accept, renamed]).allows(C.db2, C.web1), "tie: b-accept comes first by name")
        var later = deny
        later.priority = 11
        #expect(try C.compiled([accept, later]).allows(C.db2, C.web1))
        var earlier = accept
        earlier.priority = 11
        #expect(!(try C.compiled([earlier, deny]).allows(C.db2, C.web1)))
    }

    @Test("within a policy the first matching rule decides, in written order")
    func ruleOrder() throws {
        let rules: [ClusterPolicyRule] = [.accept(.team("b"), protocols: [.tcp(80)]), .deny(.team("b"))]
        let ruleset = try C.compiled([.admin("x", ingress: rules)])
        #expect(ruleset.allows(C.db2, C.web1, .tcp, 80))
        #expect(!ruleset.allows(C.db2, C.web1, .tcp, 81))
        #expect(!(try C.compiled([.admin("x", ingress: rules.reversed())]).allows(C.db2, C.web1, .tcp, 80)))
    }

    @Test("Accept, Deny and Pass in the Baseline tier: Pass skips the rest of the tier (default allow)")
    func baselineActions() throws {
        let policy = ClusterNetworkPolicy.baseline("b", egress: [.accept(.team("a"), protocols: [.tcp(80)]), .pass(.team("mon")),
                                                                 .deny(.everyPod)])
        let ruleset = try C.compiled([policy])
        #expect(ruleset.allows(C.db1, C.web2, .tcp, 80))
        #expect(!ruleset.allows(C.db1, C.web2, .tcp, 81))
        #expect(ruleset.allows(C.db1, C.prom2, .tcp, 81), "Pass: the later Deny is skipped")
        #expect(!ruleset.allows(C.db1, C.db2))
        #expect(ruleset.allows(C.db1, C.external), "not a pod: no rule matches")
        // A later Baseline policy is skipped by Pass too.
        let more = try C.compiled([policy, .baseline("c", priority: 20, egress: [.deny(.team("mon"))])])
        #expect(more.allows(C.db1, C.prom2))
    }

    @Test("Admin actions in both directions")
    func adminBothDirections() throws {
        let policy = ClusterNetworkPolicy.admin("x", subject: .namespace(team: "b"),
                                                ingress: [.deny(.team("mon"))], egress: [.deny(.team("a"), protocols: [.udp(53)])])
        let ruleset = try C.compiled([policy])
        #expect(!ruleset.allows(C.prom2, C.db1))
        #expect(ruleset.allows(C.web2, C.db1))
        #expect(!ruleset.allows(C.db1, C.web2, .udp, 53))
        #expect(ruleset.allows(C.db1, C.web2, .tcp, 53))
        #expect(ruleset.allows(C.prom2, C.web1), "web-1 is no subject")
    }

    @Test("NetworkPolicy isolation is per direction: an egress-only NP leaves ingress to Baseline")
    func perDirectionIsolation() throws {
        let baseline = ClusterNetworkPolicy.baseline("deny", ingress: [.deny(.everyPod)], egress: [.deny(.everyPod)])
        let ruleset = try C.compiled(policies: [Self.denyEgress], [baseline])
        #expect(!ruleset.allows(C.db2, C.web1), "ingress: no NP isolates, Baseline denies")
        #expect(!ruleset.allows(C.web1, C.external), "egress: the NP isolates and allows nothing")
        let egressOpen = try C.compiled(policies: [Manifest.policy("out", ns: "alpha", spec: "podSelector: {}\npolicyTypes: [Egress]\negress: [{}]")],
                                        [baseline])
        #expect(egressOpen.allows(C.web1, C.external), "the NP allows egress: Baseline never sees it")
        #expect(!egressOpen.allows(C.db2, C.web1))
    }

    @Test("no implicit isolation: rules of one direction leave the other alone, and unmatched traffic passes")
    func noImplicitIsolation() throws {
        let ruleset = try C.compiled([.admin("x", egress: [.deny(.team("mon"))]), .baseline("y", egress: [.accept(.team("a"))])])
        #expect(ruleset.allows(C.db2, C.web1))
        #expect(ruleset.allows(C.web1, C.db2))
        #expect(ruleset.allows(C.web1, C.external))
        #expect(ruleset.dispatchChain("ingress", for: ip(C.web1)) == nil, "no ingress rules: no ingress entry")
    }

    @Test("an egress Accept does not bypass the destination's ingress, also between two pods of this node")
    func bothDirectionsJudged() throws {
        let ruleset = try C.compiled([.admin("out", egress: [.accept(.everyPod)]),
                                      .admin("in", priority: 20, subject: .namespace(team: "b"), ingress: [.deny(.team("a"))])])
        #expect(!ruleset.allows(C.web1, C.db1))
        #expect(ruleset.allows(C.db1, C.web1))
    }
}
