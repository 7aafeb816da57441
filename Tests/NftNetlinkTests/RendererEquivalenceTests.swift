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
