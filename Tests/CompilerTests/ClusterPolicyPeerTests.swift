import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// Each ClusterNetworkPolicy peer and protocol kind, judged by the evaluator on the compiled table.
@Suite("ClusterNetworkPolicy peers and protocols")
struct ClusterPolicyPeerTests {
    typealias C = TestCluster

    /// db-1's egress under one Admin Deny rule: which destinations it still reaches on TCP 8080.
    func reachedByDb1(denying peer: ClusterPolicyPeer) throws -> Set<String> {
        let ruleset = try C.compiled([.admin("x", subject: .namespace(team: "b"), egress: [.deny(peer)])])
        let destinations = ["web-2": C.web2, "db-2": C.db2, "prom-2": C.prom2, "node-1": C.node1, "node-2": C.node2, "external": C.external]
        return Set(destinations.filter { ruleset.allows(C.db1, $0.value, .tcp, 8080) }.keys)
    }

    @Test("namespaces: every pod of the matching namespaces, never hostNetwork pods or nodes")
    func namespacesPeer() throws {
        #expect(try reachedByDb1(denying: .team("mon")) == ["web-2", "db-2", "node-1", "node-2", "external"])
        #expect(try reachedByDb1(denying: .everyPod) == ["node-1", "node-2", "external"])
    }

    @Test("pods: namespaceSelector AND podSelector; an empty namespaceSelector means every namespace")
    func podsPeer() throws {
        #expect(try reachedByDb1(denying: .pods(namespaces: .everything, pods: .labels(["app": "web"])))
            == ["db-2", "prom-2", "node-1", "node-2", "external"])
        #expect(try reachedByDb1(denying: .pods(namespaces: .labels(["team": "b"]), pods: .labels(["app": "web"])))
            == ["web-2", "db-2", "prom-2", "node-1", "node-2", "external"])
    }

    @Test("networks: any address of the CIDRs' family, pod addresses included")
    func networksPeer() throws {
        #expect(try reachedByDb1(denying: .networks([CIDR("0.0.0.0/0")!])) == [])
        #expect(try reachedByDb1(denying: .networks([CIDR("10.0.2.0/31")!, CIDR("203.0.113.0/24")!])) == ["db-2", "prom-2", "node-1", "node-2"])
        let v6Only = try C.compiled([.admin("x", egress: [.deny(.networks([CIDR("::/0")!]))])])
        #expect(v6Only.allows(C.web1, C.external))
        #expect(!v6Only.allows(C.web1v6, C.node2v6))
    }

    @Test("nodes: every address of the matching Nodes, so hostNetwork pods on them too")
    func nodesPeer() throws {
        #expect(try reachedByDb1(denying: .nodes(.labels(["role": "infra"]))) == ["web-2", "db-2", "prom-2", "node-1", "external"])
        #expect(try reachedByDb1(denying: .nodes(.everything)) == ["web-2", "db-2", "prom-2", "external"])
        let v6 = try C.compiled([.admin("x", egress: [.deny(.nodes(.everything))])])
        #expect(!v6.allows(C.web1v6, C.node2v6))
    }

    @Test("named port, ingress: resolved on the local subject, with the containerPort's own protocol")
    func namedPortIngress() throws {
        let ruleset = try C.compiled([.admin("x", ingress: [.deny(.everyPod, protocols: [.namedPort("web"), .namedPort("dns")])])])
        #expect(!ruleset.allows(C.db2, C.web1, .tcp, 8080))
        #expect(ruleset.allows(C.db2, C.web1, .udp, 8080), "web is TCP")
        #expect(!ruleset.allows(C.db2, C.web1, .udp, 5353))
        #expect(ruleset.allows(C.db2, C.web1, .tcp, 5353), "dns is UDP")
        #expect(ruleset.allows(C.web2, C.db1, .tcp, 8080), "db-1 has no port named web")
    }

    @Test("named port, egress: resolved on the remote destination, also behind networks and nodes peers")
    func namedPortEgress() throws {
        let ruleset = try C.compiled([.admin("x", subject: .namespace(team: "b"),
                                             egress: [.deny(.everyPod, protocols: [.namedPort("web")]),
                                                      .deny(.networks([CIDR("0.0.0.0/0")!]), protocols: [.namedPort("dns")])])])
        #expect(!ruleset.allows(C.db1, C.web2, .tcp, 8080))
        #expect(ruleset.allows(C.db1, C.web2, .tcp, 80))
        #expect(ruleset.allows(C.db1, C.db2, .tcp, 8080), "db-2 has no port named web")
        #expect(!ruleset.allows(C.db1, C.web2, .udp, 5353), "networks peer, the destination pod's dns port")
        #expect(ruleset.allows(C.db1, C.external, .udp, 5353), "not a pod: the name resolves to nothing")
    }

    @Test("numbered ports and ranges of several protocols in one rule")
    func numberedPorts() throws {
        let ruleset = try C.compiled([.admin("x", egress: [.deny(.everyPod, protocols: [.tcp(80), .ports(.udp, 5000...5010), .ports(.sctp, 9003...9003)])])])
        #expect(!ruleset.allows(C.db1, C.web2, .tcp, 80))
        #expect(!ruleset.allows(C.db1, C.web2, .udp, 5010))
        #expect(!ruleset.allows(C.db1, C.web2, .sctp, 9003))
        #expect(ruleset.allows(C.db1, C.web2, .udp, 80))
        #expect(ruleset.allows(C.db1, C.web2, .udp, 5011))
    }

    @Test("fail closed: an Accept rule matches nothing, a Deny or Pass rule denies all; earlier rules still win")
    func failClosed() throws {
        var broken = ClusterPolicyRule.accept(.team("a"))
        broken.failsClosed = "egress[1].to[0]: no known peer field"
        let accept = try C.compiled([.admin("x", egress: [broken]), .baseline("y", egress: [.deny(.team("a"))])])
        #expect(!accept.allows(C.db1, C.web2), "the Accept is gone: Baseline denies")
        for action in [ClusterPolicyRule.Action.deny, .pass] {
            broken.action = action
            let ruleset = try C.compiled([.admin("x", egress: [.accept(.team("mon")), broken])])
            #expect(ruleset.allows(C.db1, C.prom2), "an earlier rule still decides")
            #expect(!ruleset.allows(C.db1, C.external), "\(action) fails closed: denies everything")
            #expect(!ruleset.allows(C.db1, C.web2))
            #expect(ruleset.allows(C.db2, C.db1), "the other direction is untouched")
            let rule = try #require(ruleset.policyChains.flatMap(\.rules).first { $0.comment?.contains("fails closed") == true })
            #expect(rule.matches.isEmpty && rule.action == .verdict(.drop))
        }
    }

    @Test("an unreadable policy's stand-in denies both directions at its tier and priority")
    func unreadableStandIn() throws {
        let standIn = ClusterNetworkPolicy(name: "broken", tier: .admin, priority: 20, subject: .namespace(team: "b"),
                                           unreadable: "spec.tier: unknown value")
        let ruleset = try C.compiled([standIn, .admin("first", priority: 10, egress: [.accept(.team("mon"))])])
        #expect(!ruleset.allows(C.db1, C.web2))
        #expect(!ruleset.allows(C.web2, C.db1))
        #expect(ruleset.allows(C.db1, C.prom2), "a policy of lower priority number decides first")
        #expect(ruleset.allows(C.web1, C.web2), "web-1 is no subject")
        #expect(ruleset.text.contains("unreadable, denies all: spec.tier: unknown value"))
    }
}
