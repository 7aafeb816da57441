import NftNetlink
import Ruleset

/// Another program that commits to a table of its own in the namespace, as kube-proxy and CNIs do:
/// each commit adds or deletes one chain, so every one moves the generation.
final class Neighbour {
    let connection: NftConnection
    let table: TableIdentity
    private var present = false

    init(netns: String, table: String = "other") throws {
        connection = try NftConnection(netns: netns)
        self.table = TableIdentity(name: table)
        try connection.commit([.addTable(comment: nil)], table: self.table)
    }

    func commit() throws {
        try connection.commit([present ? .deleteChain("c") : .addChain(Chain(name: "c"))], table: table)
        present.toggle()
    }
}

extension ExampleCluster {
    /// The example's table plus an output-hook chain that counts every packet the namespace sends into
    /// the named counter `probe`: loopback traffic makes a counter a repair must leave counting.
    static func probedRuleset() throws -> Ruleset {
        var ruleset = try ruleset()
        ruleset.table.counters.append(NamedCounter(name: "probe"))
        ruleset.table.chains.insert(Chain(name: "output_probe", hook: BaseChainHook(hook: .output, priority: 0, policy: .accept),
                                          rules: [Rule(namedCounter: "probe", action: .verdict(.accept))]), at: 0)
        return ruleset
    }
}
