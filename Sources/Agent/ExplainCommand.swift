import ArgumentParser
import ClusterCache
import ClusterModel
import Compiler
import Explain
import Foundation
import IPAddressing
import KubeClient

/// `agent explain`: why one connection is allowed or denied, or the verdict on every pair of pods,
/// from the rulesets the nodes would run. Needs neither the kernel nor root.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say whether a connection is allowed and which policy rule decides, or print the reachability matrix.",
        discussion: """
        Compiles the ruleset of each node involved from --manifests, or from one list of namespaces, pods and \
        networkpolicies from the API server (--kubeconfig, else $KUBECONFIG, else in-cluster), and walks the \
        connection's first packet through it: the source pod's node judges egress, the destination pod's node \
        ingress. SRC and DST are NAMESPACE/POD or an IP address (which may be outside the cluster). \
        With --matrix, prints the verdict for every ordered pair of pods that take part in policy.
        """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json, dot }
    enum Family: String, ExpressibleByArgument, CaseIterable { case ipv4, ipv6 }

    @Option(name: .long, help: ArgumentHelp("A manifest file or directory (.yaml, .yml, .json); repeatable.", valueName: "path"))
    var manifests: [String] = []

    @Option(name: .long, help: ArgumentHelp("A kubeconfig for the API server (default: $KUBECONFIG, then in-cluster).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("The client: NAMESPACE/POD or an IP address.", valueName: "src"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("The server: NAMESPACE/POD or an IP address.", valueName: "dst"))
    var to: String?

    @Option(name: .long, help: "The destination port.")
    var port: UInt16

    @Option(name: .customLong("protocol"), help: "TCP, UDP or SCTP.", transform: ExplainCommand.parseProtocol)
    var proto: L4Protocol = .tcp

    @Option(name: .long, help: "Which address of dual-stack pods is used: ipv4 or ipv6.")
    var family: Family = .ipv4

    @Flag(name: .long, help: "The verdict for every ordered pair of pods (rows FROM, columns TO).")
    var matrix = false

    @Option(name: .long, help: ArgumentHelp("With --matrix: only pods of this namespace; repeatable.", valueName: "ns"))
    var namespace: [String] = []

    @Option(name: .long, help: "text or json; with --matrix also dot (Graphviz).")
    var output: Output = .text

    @Option(name: .long, help: "What the agent does to traffic no policy allows: drop or reject.")
    var denyAction: CompilerOptions.DenyAction = .drop

    @Option(name: .long, help: ArgumentHelp("The agents' --node-egress: allow, or judge pods' connections to their node (policy).",
                                            valueName: "mode"))
    var nodeEgress: CompilerOptions.NodeEgress = .allow

    func validate() throws {
        guard manifests.isEmpty || kubeconfig == nil else { throw ValidationError("--kubeconfig and --manifests exclude each other") }
        if matrix {
            guard from == nil, to == nil else { throw ValidationError("--matrix takes no --from or --to") }
        } else {
            guard from != nil, to != nil else { throw ValidationError("give --from and --to, or --matrix") }
            guard namespace.isEmpty else { throw ValidationError("--namespace is read only with --matrix") }
            guard output != .dot else { throw ValidationError("--output dot is for --matrix") }
        }
    }

    func run() throws {
        let explainer = ClusterExplainer(try loadCluster(), options: CompilerOptions(denyAction: denyAction, nodeEgress: nodeEgress))
        let query = ConnectionQuery(proto: proto, port: port, family: family == .ipv4 ? .v4 : .v6)
        if matrix {
            let result = explainer.matrix(query, namespaces: namespace)
            switch output {
            case .text: print(MatrixRendering.text(result), terminator: "")
            case .json: print(try MatrixRendering.json(result), terminator: "")
            case .dot: print(MatrixRendering.dot(result), terminator: "")
            }
            return
        }
        let endpoints = try [from!, to!].map { text in
            guard let endpoint = Endpoint(text) else { throw ValidationError("\"\(text)\" is neither NAMESPACE/POD nor an IP address") }
            return endpoint
        }
        let explanation: Explanation
        do {
            explanation = try explainer.explain(from: endpoints[0], to: endpoints[1], query)
        } catch let error as ExplainError {
            throw AgentError(error.description)
        }
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(explanation), as: UTF8.self))
        } else {
            print(ExplanationText.render(explanation), terminator: "")
        }
    }

    /// Manifests must all be valid; objects from the API server that are not are enforced as the agent
    /// would (fail-closed stand-ins), and named on stderr.
    private func loadCluster() throws -> ClusterState {
        guard manifests.isEmpty else {
            return try ManifestLoading.load(paths: manifests).checked()
        }
        let connection = try ConnectionResolver.resolve(kubeconfig: kubeconfig, environment: ProcessInfo.processInfo.environment)
        let (cluster, problems) = try ClusterSnapshot.list(try APIClient(connection: connection))
        for problem in problems { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        return cluster
    }

    private static func parseProtocol(_ text: String) throws -> L4Protocol {
        guard let proto = L4Protocol(kubernetesName: text.uppercased()) else {
            throw ValidationError("--protocol \(text): expected TCP, UDP or SCTP")
        }
        return proto
    }
}
