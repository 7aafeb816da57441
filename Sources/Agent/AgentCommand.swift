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
        Follows the API server (--kubeconfig, else $KUBECONFIG, else the pod's service account) and \
        programs the network namespace it was started in until SIGTERM or SIGINT; the table stays in \
        force after it exits. With --dry-run, prints the node's ruleset as an `nft -f` script instead \
        (it replaces the agent's table atomically when loaded), from --manifests or from one sync \
        with the API server.
        """
    )

    @Flag(name: .long, help: "Print the ruleset instead of programming the kernel.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("A manifest file or directory (.yaml, .yml, .json); repeatable.", valueName: "path"))
    var manifests: [String] = []

    @Option(name: .long, help: ArgumentHelp("A kubeconfig for the API server (default: $KUBECONFIG, then in-cluster).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("The node to enforce for (default: $NODE_NAME, then the host name).", valueName: "name"))
    var node: String?

    @Option(name: .long, help: "What happens to traffic no policy allows: drop or reject.")
    var denyAction: CompilerOptions.DenyAction = .drop

    @Option(name: .long, help: "The nftables table (family inet) the agent owns.")
    var table = CompilerOptions().tableName

    func validate() throws {
        guard !manifests.isEmpty else { return }
        guard dryRun else { throw ValidationError("--manifests needs --dry-run: a running agent follows the API server") }
        guard kubeconfig == nil else { throw ValidationError("--kubeconfig and --manifests exclude each other") }
    }

    func run() throws {
        let nodeName = node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        let options = CompilerOptions(tableName: table, denyAction: denyAction)
        guard !manifests.isEmpty else {
            return try ClusterSync.run(kubeconfig: kubeconfig, node: nodeName, options: options, dryRun: dryRun)
        }
        let loaded = ManifestLoading.load(paths: manifests)
        for note in loaded.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        guard loaded.errors.isEmpty else {
            for error in loaded.errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            throw ExitCode(1)
        }
        let ruleset = PolicyCompiler.compile(loaded.cluster, node: nodeName, options: options)
        print(NftTextRenderer.render(ruleset, header: ["netpol-agent ruleset for node \(nodeName); load with: nft -f FILE"]),
              terminator: "")
    }
}

extension CompilerOptions.DenyAction: ExpressibleByArgument {}
