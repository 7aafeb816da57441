import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// `--unknown-pod-ips deny` and `--node-egress policy`, judged on the compiled model. Real packets:
/// Tests/ConformanceTests/NodeModesLabTests.swift.
@Suite("unknown pod IPs and node egress")
struct NodeModesTests {
    static let known = "10.244.1.10", unknown = "10.244.1.99", nodeAddress = "10.244.1.1", remote = "10.244.2.10"
    static let network = NodeNetwork(podCIDRs: [CIDR("10.244.1.0/24")!, CIDR("fd00:1::/64")!], addresses: [ip(nodeAddress)])

    func compiled(_ options: CompilerOptions, network: NodeNetwork = network, policies: [String] = []) throws -> Ruleset {
        let state = try cluster([Manifest.pod("known", ips: [Self.known, "fd00:1::10"]),
                                 Manifest.pod("remote", ips: [Self.remote], node: "node-2")] + policies)
        return PolicyCompiler.compile(state, node: "node-1", options: options, network: network)
    }

    // Fails on the code before strict mode: the unknown address passed unisolated.
    @Test("deny: an unknown address of the node's pod CIDRs is dropped both ways; known pods and node addresses pass")
    func strictDropsUnknown() throws {
        let ruleset = try compiled(CompilerOptions(unknownPodIPs: .deny))
        #expect(!ruleset.allows(Self.unknown, Self.remote))
        #expect(!ruleset.allows(Self.remote, Self.unknown))
        #expect(!ruleset.allows("fd00:1::99", "fd00:2::10"))
        #expect(ruleset.allows(Self.known, Self.remote))
        #expect(ruleset.allows(Self.remote, Self.known))
        #expect(ruleset.allows("fd00:1::10", "fd00:2::10"))
        #expect(ruleset.allows(Self.nodeAddress, Self.remote), "the node's own address is excepted")
        #expect(ruleset.allows("10.244.2.99", Self.remote), "outside the node's pod CIDRs: not judged")
        #expect(ruleset.evaluate(Packet(ip(Self.unknown), ip(Self.remote), .tcp, 80, state: .established)) == .accept,
                "established traffic passes first")
    }

    @Test("deny: a pod becomes known and passes; without pod CIDRs nothing is dropped")
    func strictFollowsPods() throws {
        var compiler = NodeCompiler(node: "node-1", options: CompilerOptions(unknownPodIPs: .deny))
        compiler.setNodeNetwork(Self.network)
        #expect(!compiler.ruleset().allows(Self.unknown, Self.remote))
        compiler.upsert(Pod(namespace: "default", name: "new", nodeName: "node-1", addresses: [ip(Self.unknown)]))
        #expect(compiler.ruleset().allows(Self.unknown, Self.remote))
        compiler.removePod(ObjectReference(kind: "Pod", namespace: "default", name: "new"))
        #expect(!compiler.ruleset().allows(Self.unknown, Self.remote))
        compiler.setNodeNetwork(NodeNetwork())
        #expect(compiler.ruleset().allows(Self.unknown, Self.remote))
    }

    @Test("allow (the default): unknown addresses pass and the table has no strict sets")
    func allowIsDefault() throws {
        let ruleset = try compiled(CompilerOptions())
        #expect(ruleset.allows(Self.unknown, Self.remote))
        #expect(!ruleset.table.sets.contains { $0.name.hasPrefix("unknown_pods") })
    }

    static let egressDenyAll = Manifest.policy("deny-egress", spec: "podSelector: {}\npolicyTypes: [Egress]")
    static let egressToNode = Manifest.policy("to-node", spec: """
        podSelector: {}
        policyTypes: [Egress]
        egress: [{to: [{ipBlock: {cidr: \(nodeAddress)/32}}]}]
        """)

    // Fails on the code before --node-egress: the table had no input hook, so egress to the node passed.
    @Test("policy: egress to the node's addresses is judged by the pod's egress policies on the input hook")
    func nodeEgressPolicy() throws {
        let toNode = Packet(ip(Self.known), ip(Self.nodeAddress), .tcp, 22)
        let denied = try compiled(CompilerOptions(nodeEgress: .policy), policies: [Self.egressDenyAll])
        #expect(denied.evaluate(toNode, hook: .input) == .deny)
        #expect(denied.evaluate(Packet(ip(Self.known), ip(Self.nodeAddress), .tcp, 22, state: .established), hook: .input) == .accept)
        // IPv6 neighbour advertisements from the pod's own address are untracked: never judged.
        #expect(denied.evaluate(Packet(ip("fd00:1::10"), ip("fd00:1::1"), .udp, 0, state: .untracked), hook: .input) == .accept)
        let allowed = try compiled(CompilerOptions(nodeEgress: .policy), policies: [Self.egressToNode])
        #expect(allowed.evaluate(toNode, hook: .input) == .accept)
        let unisolated = try compiled(CompilerOptions(nodeEgress: .policy))
        #expect(unisolated.evaluate(toNode, hook: .input) == .accept)
        let byDefault = try compiled(CompilerOptions(), policies: [Self.egressDenyAll])
        #expect(!byDefault.table.chains.contains { $0.hook?.hook == .input })
        #expect(byDefault.evaluate(toNode, hook: .input) == .accept)
    }
}
