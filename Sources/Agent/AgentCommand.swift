import ArgumentParser
import ClusterModel
import Compiler
import Foundation
import Manifests
import Ruleset

@main
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Kubernetes NetworkPolicy enforcement for one node, with nftables.",
        discussion: """
        With --dry-run, reads manifests and prints the node's ruleset as an `nft -f` script \
        (it replaces the agent's table atomically when loaded).
        """
    )

    @Flag(name: .long, help: "Print the ruleset instead of programming the kernel.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("A manifest file or directory (.yaml, .yml, .json); repeatable.", valueName: "path"))
    var manifests: [String] = []

    @Option(name: .long, help: ArgumentHelp("The node to enforce for (default: $NODE_NAME, then the host name).", valueName: "name"))
    var node: String?

    @Option(name: .long, help: "What happens to traffic no policy allows: drop or reject.")
    var denyAction: CompilerOptions.DenyAction = .drop

    @Option(name: .long, help: "The nftables table (family inet) the agent owns.")
    var table = CompilerOptions().tableName

    func validate() throws {
        guard dryRun else {
            throw ValidationError("only --dry-run is available in this build: programming the kernel comes with the netlink programmer")
        }
        guard !manifests.isEmpty else { throw ValidationError("--dry-run needs at least one --manifests path") }
    }

    func run() throws {
        let nodeName = node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        let loaded = ManifestLoading.load(paths: manifests)
        for note in loaded.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            throw ExitCode(1)
        }
        let options = CompilerOptions(tableName: table, denyAction: denyAction)
        let ruleset = PolicyCompiler.compile(loaded.cluster, node: nodeName, options: options)
        print(NftTextRenderer.render(ruleset, header: ["netpol-agent ruleset for node \(nodeName); load with: nft -f FILE"]),
              terminator: "")
    }
}

extension CompilerOptions.DenyAction: ExpressibleByArgument {}
