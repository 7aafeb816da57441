import ClusterModel
import Compiler
import Ruleset
import Testing

/// networking.k8s.io/v1 defaulting: without policyTypes a policy is an Ingress policy, and an Egress
/// policy too when it has egress rules.
@Suite("policyTypes defaulting")
struct PolicyTypesTests {
    static let target = "10.0.0.1", other = "10.0.0.2"

    func compiled(_ spec: String) throws -> (policy: NetworkPolicy, ruleset: Ruleset) {
        let state = try cluster(
            Manifest.pod("target", labels: ["app": "db"], ips: [Self.target]),
            Manifest.pod("other", ips: [Self.other], node: "node-2"),
            Manifest.policy("p", spec: "podSelector: {matchLabels: {app: db}}\n" + spec))
        return (try #require(state.policies.first), compile(state))
    }

    func isolation(_ ruleset: Ruleset) -> (ingress: Bool, egress: Bool) {
        (ruleset.dispatchChain("ingress", for: ip(Self.target)) != nil, ruleset.dispatchChain("egress", for: ip(Self.target)) != nil)
    }

    @Test("no policyTypes and no egress: Ingress only")
    func noTypesNoEgress() throws {
        let (policy, ruleset) = try compiled("ingress: [{from: [{podSelector: {}}]}]")
        #expect(policy.isolatesIngress && !policy.isolatesEgress)
        #expect(isolation(ruleset) == (true, false))
        #expect(ruleset.allows(Self.target, "192.168.1.1"), "egress stays open")
    }

    @Test("no policyTypes, no rules at all: Ingress only, which denies all ingress")
    func bare() throws {
        let (policy, ruleset) = try compiled("")
        #expect(policy.isolatesIngress && !policy.isolatesEgress)
        #expect(!ruleset.allows(Self.other, Self.target))
        #expect(ruleset.allows(Self.target, Self.other))
    }

    @Test("no policyTypes and `egress: []`: Ingress only")
    func noTypesEmptyEgress() throws {
        let (policy, ruleset) = try compiled("egress: []")
        #expect(policy.isolatesIngress && !policy.isolatesEgress)
        #expect(isolation(ruleset) == (true, false))
    }

    @Test("`policyTypes: []` is defaulted like an absent list")
    func emptyTypes() throws {
        let (policy, _) = try compiled("policyTypes: []\negress: [{to: [{podSelector: {}}]}]")
        #expect(policy.isolatesIngress && policy.isolatesEgress)
    }

    @Test("no policyTypes with egress rules: Ingress and Egress")
    func noTypesWithEgress() throws {
        let (policy, ruleset) = try compiled("egress: [{ports: [{port: 53, protocol: UDP}]}]")
        #expect(policy.isolatesIngress && policy.isolatesEgress)
        #expect(isolation(ruleset) == (true, true))
        #expect(ruleset.allows(Self.target, "192.168.1.1", .udp, 53))
        #expect(!ruleset.allows(Self.target, "192.168.1.1", .tcp, 53))
        #expect(!ruleset.allows(Self.other, Self.target, .udp, 53))
    }

    @Test("explicit [Egress] leaves ingress open, even with ingress rules")
    func egressOnly() throws {
        let (policy, ruleset) = try compiled("policyTypes: [Egress]\ningress: [{from: [{ipBlock: {cidr: 1.1.1.1/32}}]}]")
        #expect(!policy.isolatesIngress && policy.isolatesEgress)
        #expect(isolation(ruleset) == (false, true))
        #expect(ruleset.allows(Self.other, Self.target))
        #expect(!ruleset.allows(Self.target, Self.other))
        // The ignored ingress rule leaves no trace.
        #expect(!ruleset.peerAndPortSets.contains { $0.name.hasPrefix("cidr_") })
    }

    @Test("explicit [Ingress] ignores egress rules")
    func ingressOnly() throws {
        let (policy, ruleset) = try compiled("policyTypes: [Ingress]\negress: [{to: [{ipBlock: {cidr: 1.1.1.1/32}}]}]")
        #expect(policy.isolatesIngress && !policy.isolatesEgress)
        #expect(isolation(ruleset) == (true, false))
        #expect(ruleset.allows(Self.target, Self.other))
    }

    @Test("[Ingress, Egress] without rules denies both ways")
    func both() throws {
        let (_, ruleset) = try compiled("policyTypes: [Ingress, Egress]")
        #expect(isolation(ruleset) == (true, true))
        #expect(!ruleset.allows(Self.other, Self.target))
        #expect(!ruleset.allows(Self.target, Self.other))
        #expect(!ruleset.allows(Self.target, "192.168.1.1", .udp, 53))
        // Replies of connections allowed before stay allowed.
        #expect(ruleset.evaluate(Packet(ip(Self.target), ip(Self.other), .tcp, 80, state: .established)) == .accept)
    }
}
