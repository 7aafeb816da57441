import Compiler
import IPAddressing
import Ruleset

/// One node's compiled table, the evaluator that walks it, and what its chains and sets stand for.
struct NodeView: Sendable {
    let name: String
    let evaluator: RulesetEvaluator
    let meaning: RulesetMeaning
    let chains: [String: Chain]
    /// The addresses of local pods each direction's verdict maps send to a chain: the isolated pods.
    let isolated: [Direction: Set<IPAddress>]
    /// The node's own addresses (from its Node object): a pod's connection to them takes the input hook.
    let ownAddresses: Set<IPAddress>

    init(name: String, cluster: ClusterState, options: CompilerOptions) {
        var compiler = PolicyCompiler.compiler(for: cluster, node: name, options: options)
        let ruleset = compiler.ruleset()
        let meaning = compiler.meaning
        self.name = name
        self.meaning = meaning
        evaluator = RulesetEvaluator(ruleset)
        chains = Dictionary(ruleset.table.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var isolated: [Direction: Set<IPAddress>] = [:]
        for map in ruleset.table.sets {
            guard let direction = meaning.dispatchMaps[map.name] else { continue }
            for element in map.elements {
                guard case .address(let range)? = element.key.first, range.lower == range.upper else { continue }
                isolated[direction, default: []].insert(range.lower)
            }
        }
        self.isolated = isolated
        ownAddresses = Set(cluster.nodes.first { $0.name == name }?.addresses ?? [])
    }

    /// The hook a packet from one of this node's pods to `destination` crosses.
    func hook(toward destination: IPAddress) -> BaseChainHook.Hook {
        ownAddresses.contains(destination) ? .input : .forward
    }
}
