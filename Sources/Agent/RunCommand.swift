import ArgumentParser
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Observability
import Ruleset

/// `agent [run]`: follow the API server and keep the kernel's table in step, or (`--dry-run`, `--once`)
/// compile once from manifests or from one sync.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Enforce NetworkPolicies on this node (the default command).",
        discussion: """
        Follows the API server (--kubeconfig, else $KUBECONFIG, else the pod's service account) and \
        programs the network namespace it was started in until SIGTERM or SIGINT; the table stays in \
        force after it exits. With --manifests, compiles those files instead: --dry-run prints the \
        ruleset as an `nft -f` script (it replaces the agent's table atomically when loaded), --once \
        programs it and exits (run again, it applies only the difference). --dry-run without \
        --manifests prints the ruleset of one sync with the API server.
        """
    )

    @Flag(name: .long, help: "Print the ruleset instead of programming the kernel.")
    var dryRun = false

    @Flag(name: .long, help: "Program the kernel from --manifests once, then exit.")
    var once = false

    @Option(name: .long, help: ArgumentHelp("A manifest file or directory (.yaml, .yml, .json); repeatable.", valueName: "path"))
    var manifests: [String] = []

    @Option(name: .long, help: ArgumentHelp("A kubeconfig for the API server (default: $KUBECONFIG, then in-cluster).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("The node to enforce for (default: $NODE_NAME, then the host name).", valueName: "name"))
    var node: String?

    @Option(name: .long, help: "What happens to traffic no policy allows: drop or reject.")
    var denyAction: CompilerOptions.DenyAction = .drop

    @Option(name: .long, help: ArgumentHelp("Traffic of an address in this node's pod CIDRs that no known pod holds: allow, or deny "
                                            + "until the API server reports the pod (the node's own addresses excepted).", valueName: "mode"))
    var unknownPodIps: CompilerOptions.UnknownPodIPs = .allow

    @Option(name: .long, help: ArgumentHelp("This node's pod CIDR, for --unknown-pod-ips deny without a Node object (bare metal); "
                                            + "repeatable. Default: the Node's spec.podCIDRs.", valueName: "cidr"),
            transform: RunCommand.parseCIDR)
    var podCidr: [CIDR] = []

    @Option(name: .long, help: ArgumentHelp("Traffic from local pods to this node's own addresses: allow, or judge it by the "
                                            + "pods' egress policies (policy).", valueName: "mode"))
    var nodeEgress: CompilerOptions.NodeEgress = .allow

    @Option(name: .long, help: "The nftables table (family inet) the agent owns.")
    var table = CompilerOptions().tableName

    @Flag(name: .long, help: "Leave connections open when a policy change denies them (no conntrack label rule, no conntrack dumps).")
    var keepEstablished = false

    @Option(name: .long, help: ArgumentHelp("The conntrack label bit (0-127) that marks connections a policy change revoked.",
                                            valueName: "bit"))
    var revocationLabelBit: Int = Int(CompilerOptions.defaultRevocationLabelBit)

    @Flag(name: .long, help: "Log every denied packet (up to --log-denied-rate): deny rules also send it to --nflog-group, which the agent reads.")
    var logDenied = false

    @Option(name: .long, help: ArgumentHelp("The nfnetlink_log group deny rules log to, with --log-denied.", valueName: "group"))
    var nflogGroup: UInt16 = DenyLogging.defaultGroup

    @Option(name: .long, help: ArgumentHelp("Denied packets logged per second on this node, with --log-denied; a burst of "
                                            + "\(DenyLogging.defaultBurst) more is allowed.", valueName: "packets"))
    var logDeniedRate: UInt64 = DenyLogging.defaultPacketsPerSecond

    @Option(help: ArgumentHelp("How long a one-shot command (--dry-run with the API server) waits for a complete sync "
                               + "before it gives up with the last error: 500ms, 30s, 5m. (default: 30s)", valueName: "duration"),
            transform: ObservabilityOptions.parseDuration)
    var timeout: Duration = .seconds(30)

    @Flag(name: .long, help: ArgumentHelp("Sync with paginated LISTs only, not WatchList (the initial state streamed from the "
                                          + "API server's watch cache); WatchList falls back to LIST by itself where the server refuses it."))
    var noWatchList = false

    @OptionGroup(title: "Operations")
    var observability: ObservabilityOptions

    func validate() throws {
        guard !(dryRun && once) else { throw ValidationError("--dry-run and --once exclude each other") }
        if !podCidr.isEmpty, unknownPodIps != .deny { throw ValidationError("--pod-cidr is read only with --unknown-pod-ips deny") }
        guard (0..<ConntrackLabel.bitCount).contains(revocationLabelBit) else {
            throw ValidationError("--revocation-label-bit \(revocationLabelBit): a conntrack label bit is 0 to \(ConntrackLabel.bitCount - 1)")
        }
        guard logDeniedRate > 0 else { throw ValidationError("--log-denied-rate \(logDeniedRate): at least 1 packet per second") }
        if once, manifests.isEmpty { throw ValidationError("--once programs the kernel from --manifests: give at least one") }
        guard !manifests.isEmpty else { return }
        guard dryRun || once else {
            throw ValidationError("--manifests needs --dry-run or --once: a running agent follows the API server")
        }
        guard kubeconfig == nil else { throw ValidationError("--kubeconfig and --manifests exclude each other") }
    }

    func run() throws {
        observability.bootstrapLogging()
        let nodeName = node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        let options = CompilerOptions(tableName: table, denyAction: denyAction, unknownPodIPs: unknownPodIps, nodeEgress: nodeEgress,
                                      revocationLabelBit: keepEstablished ? nil : UInt8(revocationLabelBit),
                                      denyLogging: logDenied ? DenyLogging(group: nflogGroup, packetsPerSecond: logDeniedRate) : nil)
        let fixedNetwork = podCidr.isEmpty ? nil : NodeNetwork(podCIDRs: podCidr)
        guard !manifests.isEmpty else {
            return try ClusterSync.run(kubeconfig: kubeconfig, node: nodeName, options: options, fixedNodeNetwork: fixedNetwork,
                                       dryRun: dryRun ? timeout : nil, watchList: !noWatchList, observability: observability)
        }
        let ruleset = try Self.compile(manifests: manifests, node: nodeName, options: options, network: fixedNetwork ?? NodeNetwork())
        if once {
            try ManifestApply.program(ruleset)
        } else {
            print(NftTextRenderer.render(ruleset, header: ["netpol-agent ruleset for node \(nodeName); load with: nft -f FILE"]),
                  terminator: "")
        }
        // Done: the process ends without freeing the table element by element, a tenth of a second on
        // one core at 100k pods; exit flushes stdout. (The compiler is freed on another thread meanwhile:
        // kept through the render, it would raise the peak of memory.)
        withExtendedLifetime(ruleset) { Foundation.exit(EXIT_SUCCESS) }
    }

    /// Every problem in the manifests is reported (file, object, field); any of them fails the run.
    /// The objects go to the compiler while later ones still load; it emits the ruleset only once all
    /// are in and none is bad.
    private static func compile(manifests: [String], node: String, options: CompilerOptions, network: NodeNetwork) throws -> Ruleset {
        var compiler = NodeCompiler(node: node, options: options)
        compiler.setNodeNetwork(network)
        compiler = try ManifestLoading.compile(paths: manifests, into: compiler).checked()
        let ruleset = compiler.ruleset()
        // Freeing the compiler's index of every pod takes a tenth of a second: done on another thread
        // while this one renders or programs the ruleset, which shares nothing mutable with it.
        Thread.detachNewThread { [compiler] in withExtendedLifetime(compiler) {} }
        return ruleset
    }

    private static func parseCIDR(_ text: String) throws -> CIDR {
        guard let cidr = CIDR(text) else { throw ValidationError("--pod-cidr: invalid CIDR \"\(text)\"") }
        return cidr
    }
}

extension CompilerOptions.DenyAction: ExpressibleByArgument {}
extension CompilerOptions.UnknownPodIPs: ExpressibleByArgument {}
extension CompilerOptions.NodeEgress: ExpressibleByArgument {}
