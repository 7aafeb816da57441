import ClusterModel
import Compiler
import Explain
import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing
import TestSupport

/// `agent explain` against the kernel. Every node's compiled table is loaded into one scratch namespace
/// as a table of its own, its base chains moved to the output hook, and packets are sent between the
/// cluster's addresses held on its loopback: a packet leaves only if every node's table accepts it,
/// which is what the explainer computes (a node's table judges only its own pods, so the other nodes'
/// tables pass it). Each single-pair verdict and each matrix cell must equal what the kernel did.
/// The random clusters hold ClusterNetworkPolicies and Nodes too (the property-test generator's).
@Suite("explain agrees with the kernel", .serialized)
struct ExplainKernelTests {
    @Test("example cluster: every pair of pods, on the ports its policies name, single pairs and matrix")
    func exampleCluster() throws {
        let state = try ExampleCluster.builder().state
        let queries = [(L4Protocol.tcp, UInt16(80)), (.tcp, 8080), (.tcp, 5432), (.udp, 53), (.tcp, 53), (.tcp, 9102), (.tcp, 443)]
            .flatMap { proto, port in IPFamily.allCases.map { ConnectionQuery(proto: proto, port: port, family: $0) } }
        var random = SeededRandom(seed: 1)
        let tally = try KernelComparison(state, options: CompilerOptions()).compare(queries: queries, pairsPerQuery: nil, random: &random)
        #expect(tally.mismatches.isEmpty, "\(tally.mismatches.prefix(10).joined(separator: "\n"))")
        #expect(tally.allowed > 20 && tally.denied > 20, "\(tally)")
    }

    @Test("100 random clusters (the property-test generator): sampled pairs and matrices")
    func randomClusters() throws {
        var total = KernelComparison.Tally()
        for seed in UInt64(0)..<100 {
            var generator = ClusterGenerator(seed: seed)
            let state = try generator.cluster().validated()
            var random = SeededRandom(seed: seed)
            let ports = [UInt16(80), 53, 443, 8080, 9000, 9100] + state.pods.flatMap(\.namedPorts).map(\.port)
            let queries = (0..<4).map { _ in
                ConnectionQuery(proto: random.bool() ? .tcp : .udp, port: random.pick(ports), family: random.bool() ? .v4 : .v6)
            }
            let options = CompilerOptions(denyAction: random.bool() ? .drop : .reject)
            let tally = try KernelComparison(state, options: options).compare(queries: queries, pairsPerQuery: 30, random: &random)
            #expect(tally.mismatches.isEmpty, "seed \(seed):\n\(tally.mismatches.prefix(5).joined(separator: "\n"))")
            total.add(tally)
        }
        // Both verdicts are exercised, or agreement would prove little.
        #expect(total.allowed > 500 && total.denied > 500, "\(total)")
    }
}

/// One cluster's tables in a scratch namespace, and the explainer's verdicts set against its packets.
private struct KernelComparison {
    struct Tally: CustomStringConvertible {
        var allowed = 0, denied = 0
        var mismatches: [String] = []

        mutating func add(_ other: Tally) {
            allowed += other.allowed
            denied += other.denied
            mismatches += other.mismatches
        }

        var description: String { "\(allowed) allowed, \(denied) denied, \(mismatches.count) disagreements" }
    }

    let state: ClusterState
    let options: CompilerOptions
    let explainer: ClusterExplainer

    init(_ state: ClusterState, options: CompilerOptions) {
        self.state = state
        self.options = options
        explainer = ClusterExplainer(state, options: options)
    }

    /// `pairsPerQuery`: how many address pairs to sample for single-pair explanations (nil: every pair).
    func compare(queries: [ConnectionQuery], pairsPerQuery: Int?, random: inout SeededRandom) throws -> Tally {
        // Nodes' own addresses take the input hook, which this set-up does not model: left out.
        let outside = [IPAddress("198.51.100.7")!, IPAddress("2001:db8::7")!]
        let addresses = Array(Set(state.pods.flatMap(\.addresses) + outside).subtracting(state.nodes.flatMap(\.addresses))).sorted()
        return try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0].name
            let commands = ["link set lo up"] + addresses.map { address in
                "addr add \(address)/\(address.family == .v4 ? "32" : "128 nodad") dev lo"
            }
            try run(["ip", "-n", namespace, "-batch", "-"], input: commands.joined(separator: "\n") + "\n")
            for node in Set(state.pods.compactMap(\.nodeName)).sorted() {
                var nodeOptions = options
                nodeOptions.tableName = "np-\(node)"
                var ruleset = PolicyCompiler.compile(state, node: node, options: nodeOptions)
                for index in ruleset.table.chains.indices where ruleset.table.chains[index].hook != nil {
                    if ruleset.table.chains[index].hook!.hook == .forward {
                        ruleset.table.chains[index].hook!.hook = .output
                    } else {
                        ruleset.table.chains[index].hook = nil  // the input hook: pods to their node only
                    }
                }
                try KernelProgrammer(tableName: nodeOptions.tableName, netns: namespace).apply(ruleset)
            }
            let probe = ProbePacket(namespace: namespace)
            var sourcePort: UInt16 = 20000
            var tally = Tally()
            func kernelPasses(_ source: IPAddress, _ destination: IPAddress, _ query: ConnectionQuery) throws -> Bool {
                sourcePort = sourcePort == 60000 ? 20000 : sourcePort + 1
                return try probe.passes(from: source, to: destination, l4Protocol: query.proto, sourcePort: sourcePort,
                                        destinationPort: query.port)
            }
            for query in queries {
                let family = addresses.filter { $0.family == query.family }
                var pairs = family.flatMap { source in family.map { (source, $0) } }
                if let count = pairsPerQuery { pairs = (0..<count).map { _ in random.pick(pairs) } }
                for (source, destination) in pairs {
                    let explained = try explainer.explain(from: .address(source), to: .address(destination), query)
                    let passed = try kernelPasses(source, destination, query)
                    if passed { tally.allowed += 1 } else { tally.denied += 1 }
                    if explained.allowed != passed {
                        tally.mismatches.append("\(query.description) \(source) → \(destination): explain says "
                                                + "\(explained.allowed ? "allowed" : "denied"), the kernel \(passed ? "let it out" : "refused it")\n"
                                                + ExplanationText.render(explained))
                    }
                }
                let matrix = explainer.matrix(query)
                let sample = Array(matrix.pods.prefix(20))
                let sampleAddresses = try sample.map { try address(of: $0, query) }
                for (i, from) in sample.enumerated() {
                    for (j, to) in sample.enumerated() where try kernelPasses(sampleAddresses[i], sampleAddresses[j], query) != matrix.allowed[i][j] {
                        tally.mismatches.append("matrix \(query.description) \(from) → \(to): explain says \(matrix.allowed[i][j])")
                    }
                }
            }
            return tally
        }
    }

    /// The address a matrix pod is probed from: the explanation of the pod's own pair names it.
    private func address(of pod: String, _ query: ConnectionQuery) throws -> IPAddress {
        let explained = try explainer.explain(from: #require(Endpoint(pod)), to: #require(Endpoint(pod)), query)
        return try #require(IPAddress(explained.from.address))
    }
}
