import ClusterModel
import IPAddressing
import Ruleset

/// Compiles the policies that select pods on one node into the agent's nftables table.
///
/// Layout (a small static skeleton; everything else is sets, maps and per-group chains):
/// - base chain `forward_hook` on the forward hook at filter priority, after DNAT: replies of
///   accepted connections pass; then the source pod's egress chain and the destination pod's ingress
///   chain are reached through verdict maps keyed by pod IP, so the cost of a packet does not grow
///   with the number of pods or policies in the cluster.
/// - one chain per distinct list of policies isolating a pod in a direction: each rule `return`s when
///   it allows the packet; the chain ends in the deny action.
/// - peer sets shared by every rule with the same selector, ipBlock, port list or port name.
public enum PolicyCompiler {
    public static func compile(_ cluster: ClusterState, node: String, options: CompilerOptions = CompilerOptions()) -> Ruleset {
        var index = ClusterIndex(cluster, node: node)
        let localPods = index.localPods.map { index.pods[$0] }
        let policies = cluster.policies.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }

        // For every local pod, the policies isolating it in each direction, in policy order.
        var isolating: [Direction: [Int: [Int]]] = [.ingress: [:], .egress: [:]]
        var localByNamespace: [String: [Int]] = [:]
        for (position, pod) in localPods.enumerated() { localByNamespace[pod.namespace, default: []].append(position) }
        for (policyIndex, policy) in policies.enumerated() {
            for podIndex in localByNamespace[policy.namespace] ?? [] where policy.podSelector.matches(localPods[podIndex].labels) {
                if policy.isolatesIngress { isolating[.ingress]![podIndex, default: []].append(policyIndex) }
                if policy.isolatesEgress { isolating[.egress]![podIndex, default: []].append(policyIndex) }
            }
        }

        var compiler = RuleCompiler(sets: SetRegistry(), index: index)
        var policyRules: [Direction: [Int: [Rule]]] = [.ingress: [:], .egress: [:]]
        var chains: [String: Chain] = [:]
        var maps: [String: [SetElement]] = [:]
        for direction in Direction.allCases {
            for (podIndex, policyIndices) in isolating[direction]! {
                let chainName = "\(direction.rawValue)_\(StableName.hash(policyIndices.map { policies[$0].reference.description }.joined(separator: ",")))"
                if chains[chainName] == nil {
                    var rules: [Rule] = []
                    for policyIndex in policyIndices {
                        if policyRules[direction]![policyIndex] == nil {
                            policyRules[direction]![policyIndex] = compileRules(of: policies[policyIndex], direction: direction, compiler: &compiler)
                        }
                        rules += policyRules[direction]![policyIndex]!
                    }
                    rules.append(denyRule(direction, options: options))
                    let names = policyIndices.map { "\(policies[$0].namespace)/\(policies[$0].name)" }.joined(separator: ", ")
                    chains[chainName] = Chain(name: chainName, comment: nftComment("\(direction.rawValue) of pods selected by \(names)"), rules: rules)
                }
                for address in localPods[podIndex].addresses {
                    maps[direction.dispatchMap(address.family), default: []].append(
                        SetElement(key: [.address(address)], verdict: .jump(chainName)))
                }
            }
        }
        index = compiler.index

        var sets: [NamedSet] = []
        for direction in [Direction.ingress, .egress] {
            for family in IPFamily.allCases {
                let name = direction.dispatchMap(family)
                sets.append(NamedSet(name: name, keyType: [family == .v4 ? .ipv4Address : .ipv6Address], isVerdictMap: true,
                                     comment: "local pods isolated for \(direction.rawValue), by IP\(family.rawValue) address",
                                     elements: (maps[name] ?? []).sorted()))
            }
        }
        sets += compiler.sets.sets.values.sorted { $0.name < $1.name }

        let table = Table(family: .inet, name: options.tableName,
                          comment: "NetworkPolicy enforcement for node \(node)",
                          sets: sets,
                          chains: [forwardHook()] + chains.values.sorted { $0.name < $1.name })
        return Ruleset(table: table)
    }

    private static func compileRules(of policy: NetworkPolicy, direction: Direction, compiler: inout RuleCompiler) -> [Rule] {
        let rules = direction == .ingress ? policy.ingress : policy.egress
        return rules.enumerated().flatMap { position, rule in
            compiler.compile(rule, direction: direction,
                             comment: nftComment("\(policy.namespace)/\(policy.name) \(direction.rawValue)[\(position)]"))
        }
    }

    private static func denyRule(_ direction: Direction, options: CompilerOptions) -> Rule {
        Rule(counter: true, action: options.denyAction == .drop ? .verdict(.drop) : .reject,
             comment: "no policy allows this \(direction.rawValue)")
    }

    /// The static entry point: established traffic first (cheapest), then egress of the source pod,
    /// then ingress of the destination pod. Traffic of pods no policy isolates falls through to accept.
    private static func forwardHook() -> Chain {
        var rules = [Rule(matches: [.conntrackState([.established, .related])], action: .verdict(.accept),
                          comment: "replies and related traffic of allowed connections")]
        for direction in [Direction.egress, .ingress] {
            for family in IPFamily.allCases {
                rules.append(Rule(action: .verdictMap(fields: [direction.ownAddress(family)], map: direction.dispatchMap(family))))
            }
        }
        return Chain(name: "forward_hook", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept),
                     comment: "pod traffic after DNAT: egress of the source pod, then ingress of the destination pod",
                     rules: rules)
    }
}
