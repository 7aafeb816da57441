import NetnsLab
import Ruleset

/// How a test puts a node's compiled ruleset into its namespace.
protocol NodeProgrammer {
    func program(_ ruleset: Ruleset, node: Int, in lab: Lab) throws
}

/// Loads the dry-run text with `nft -f`, as an operator would.
struct NftTextProgrammer: NodeProgrammer {
    func program(_ ruleset: Ruleset, node: Int, in lab: Lab) throws {
        let result = try lab.run(inNode: node, ["nft", "-f", "-"], stdin: NftTextRenderer.render(ruleset))
        guard result.status == 0 else { throw CaseError("nft -f failed on node \(node): \(result.stderr)") }
    }
}
