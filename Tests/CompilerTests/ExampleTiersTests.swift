import Compiler
import Testing

/// examples/cluster's ClusterNetworkPolicies (cluster-policies.yaml), which the README explains with
/// node-1's `--dry-run` output: through the ruleset model, each tier decides what the example says.
struct ExampleTiersTests {
    static let example = load(paths: [AgentCLITests.examples])

    @Test func theExampleLoadsWithItsClusterPolicies() {
        #expect(Self.example.errors == [])
        #expect(Self.example.state.clusterPolicies.map(\.name).sorted() == ["default-deny", "deny-vault", "monitoring-checks-vault"])
    }

    @Test("Admin before NetworkPolicies: no namespace reaches the vault, monitoring is passed to its own policy")
    func adminTier() {
        let node1 = compile(Self.example.state, node: "node-1"), node2 = compile(Self.example.state, node: "node-2")
        // frontend/web-egress allows HTTPS to public addresses; the Admin Deny wins for the vault's.
        #expect(!node1.allows("10.244.1.10", "203.0.113.5", .tcp, 443))
        #expect(!node1.allows("fd00:10:244:1::10", "2001:db8:113::5", .tcp, 443))
        #expect(node1.allows("10.244.1.10", "198.51.100.5", .tcp, 443), "other public addresses stay open")
        // kube-system: no NetworkPolicy and outside the Baseline's subject, but the Admin tier holds.
        #expect(!node2.allows("10.244.2.53", "203.0.113.5", .udp, 53))
        #expect(node2.allows("10.244.2.53", "198.51.100.5", .udp, 53), "coredns reaches its upstream")
        // monitoring's own NetworkPolicy decides: HTTPS to the vault only.
        #expect(node1.allows("10.244.1.60", "203.0.113.5", .tcp, 443))
        #expect(node1.allows("fd00:10:244:1::60", "2001:db8:113::5", .tcp, 443))
        #expect(!node1.allows("10.244.1.60", "203.0.113.5", .tcp, 80))
        #expect(node2.allows("10.244.2.50", "203.0.113.5", .tcp, 443))
    }

    @Test("NetworkPolicies decide where they isolate; the Baseline default deny where none does")
    func networkPolicyAndBaselineTiers() {
        let node1 = compile(Self.example.state, node: "node-1")
        // blackbox-1 has no ingress NetworkPolicy: the Baseline admits monitoring, denies other pods.
        #expect(node1.allows("10.244.2.50", "10.244.1.60", .tcp, 9115), "prometheus scrapes it")
        #expect(!node1.allows("10.244.2.53", "10.244.1.60", .tcp, 9115))
        #expect(!node1.allows("fd00:10:244:2::53", "fd00:10:244:1::60", .tcp, 9115))
        // frontend/web-ingress opens web-1's http port to every pod, and only that port.
        #expect(node1.allows("10.244.2.53", "10.244.1.10", .tcp, 80))
        #expect(!node1.allows("10.244.2.53", "10.244.1.10", .tcp, 81))
    }
}
