import NftNetlink
import Ruleset
import Testing

/// The netlink renderer and the text renderer show the same model: programmed over netlink in one
/// scratch namespace and loaded with `nft -f` in another, `nft list table` prints the same.
@Suite struct RendererEquivalenceTests {
    @Test func exampleCluster() throws {
        try assertSameListing(try ExampleCluster.ruleset())
    }

    /// The unknown-pod interval sets, their drop rules and the input hook read back as written (else
    /// every resync would see drift and re-apply the whole table).
    @Test func exampleClusterWithStrictModeAndNodeEgress() throws {
        try assertSameListing(try ExampleCluster.strictRuleset())
    }

    /// Admin and Baseline chains with goto, Node address sets, named ports with their own protocol and
    /// the input hook's node_egress maps read back as written.
    @Test func exampleClusterWithClusterNetworkPolicies() throws {
        let ruleset = try ExampleCluster.clusterPolicyRuleset()
        let names = ruleset.table.chains.map(\.name) + ruleset.table.sets.map(\.name)
        for prefix in ["input_hook", "ingress_admin_", "egress_admin_", "ingress_baseline_", "node_egress_v4", "nodes_", "named_local_any_http_"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "no \(prefix)")
        }
        try assertSameListing(ruleset)
    }

    @Test(arguments: 0..<24)
    func randomRuleset(seed: UInt64) throws {
        var generator = RandomRuleset(seed: seed)
        try assertSameListing(generator.ruleset())
    }

    private func assertSameListing(_ ruleset: Ruleset) throws {
        try ScratchNamespace.with(2) { namespaces in
            let (netlink, text) = (namespaces[0], namespaces[1])
            let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: netlink.name)
            let report = try programmer.apply(ruleset)
            #expect(report.kind == .full)
            try text.nft(["-f", "-"], input: NftTextRenderer.render(ruleset))
            let expected = try text.listing(ruleset.table.name)
            #expect(try netlink.listing(ruleset.table.name) == expected)
            #expect(try netlink.bytecode(ruleset.table.name) == (try text.bytecode(ruleset.table.name)))
            // Reading back through netlink gives the model again.
            #expect(try programmer.readBack()?.normalized == ruleset.normalized)
        }
    }
}
