@testable import Agent
import ClusterModel
import Compiler
import IPAddressing
import Logging
import NftNetlink
import Testing

/// What a deny log line says, from a packet and the compiled context.
@Suite struct DeniedConnectionTests {
    static let web = ObjectReference(kind: "Pod", namespace: "x", name: "web"), db = ObjectReference(kind: "Pod", namespace: "y", name: "db")

    private static func line(_ attribution: CounterAttribution?, prefix: String = "deny_ingress_ab12") -> DeniedConnection {
        let pods = [IPAddress("10.0.1.1")!: web, IPAddress("10.0.2.2")!: db]
        let context = DenyLogContext(node: "node-1", attribution: attribution.map { [prefix: $0] } ?? [:]) { pods[$0] }
        let packet = LoggedPacket(prefix: prefix, source: IPAddress("10.0.1.1")!, destination: IPAddress("10.0.2.2")!, protocolNumber: 6,
                                  sourcePort: 40000, destinationPort: 5432)
        return DeniedConnection(packet, in: context)
    }

    @Test func networkPolicyDenyNamesTheIsolatingPolicies() {
        let policies = ["default-deny", "allow-web"].map { ObjectReference(kind: "NetworkPolicy", namespace: "y", name: $0) }
        let denied = Self.line(CounterAttribution(policies: policies, direction: .ingress, verdict: .denied))
        #expect(denied.reason == "no rule of y/default-deny, y/allow-web admits")
        let metadata = denied.metadata
        #expect(metadata["source_pod"] == "x/web" && metadata["destination_pod"] == "y/db")
        #expect(metadata["direction"] == "ingress" && metadata["port"] == "5432" && metadata["protocol"] == "TCP")
        #expect(metadata["policies"] == .array(["y/default-deny", "y/allow-web"]) && metadata["tier"] == "NetworkPolicy")
    }

    @Test func clusterPolicyDenyNamesTierAndRule() {
        let cnp = ObjectReference(kind: "ClusterNetworkPolicy", namespace: nil, name: "deny-x")
        let rule = ClusterRuleIdentity(index: 0, name: "no-db", action: .deny)
        let denied = Self.line(CounterAttribution(policies: [cnp], direction: .egress, verdict: .denied, tier: .admin, clusterRule: rule))
        #expect(denied.reason == "ClusterNetworkPolicy deny-x (Admin) egress[0] 'no-db' denies")
        #expect(denied.metadata["rule_index"] == "0" && denied.metadata["rule_name"] == "no-db" && denied.metadata["tier"] == "Admin")
        let unreadable = Self.line(CounterAttribution(policies: [cnp], direction: .ingress, verdict: .denied, tier: .baseline))
        #expect(unreadable.reason == "ClusterNetworkPolicy deny-x (Baseline) ingress is unreadable and denies all")
    }

    @Test func aPrefixOfAnEarlierTableIsSaidSo() {
        let stale = Self.line(nil)
        #expect(stale.reason == "a deny rule (deny_ingress_ab12) of a previous table")
        #expect(stale.metadata["direction"] == nil && stale.metadata["source_pod"] == "x/web")
    }
}
