import Compiler
import NetnsLab
import NftNetlink
import Ruleset

/// How a test puts a node's compiled ruleset into its namespace. One programmer serves one lab.
protocol NodeProgrammer: AnyObject {
    func program(_ ruleset: Ruleset, node: Int) throws
}

/// Loads the dry-run text with `nft -f`, as an operator would.
final class NftTextProgrammer: NodeProgrammer {
    private let lab: Lab

    init(lab: Lab) { self.lab = lab }

    func program(_ ruleset: Ruleset, node: Int) throws {
        let result = try lab.run(inNode: node, ["nft", "-f", "-"], stdin: NftTextRenderer.render(ruleset))
        guard result.status == 0 else { throw CaseError("nft -f failed on node \(node): \(result.stderr)") }
    }
}

/// Programs each node through netlink as the agent does: the first step replaces the table, every later
/// step (policy updates, relabelled pods and namespaces) goes out as a delta.
final class NetlinkProgrammer: NodeProgrammer {
    private let lab: Lab
    private var programmers: [Int: KernelProgrammer] = [:]
    /// What each node's applies were: full, delta or unchanged.
    private(set) var kinds: [ApplyReport.Kind] = []

    init(lab: Lab) { self.lab = lab }

    func program(_ ruleset: Ruleset, node: Int) throws {
        if programmers[node] == nil {
            programmers[node] = try KernelProgrammer(tableName: ruleset.table.name, netns: lab.nodeNamespace(node))
        }
        kinds.append(try programmers[node]!.apply(ruleset).kind)
    }
}

extension NodeProgrammer {
    /// Compiles the cluster for every node of the lab and programs each.
    func program(_ cluster: ClusterState, on lab: Lab, options: CompilerOptions = CompilerOptions()) throws {
        for node in 1...lab.nodeCount {
            try program(PolicyCompiler.compile(cluster, node: lab.nodeName(node), options: options), node: node)
        }
    }
}
