import ClusterModel
import IPAddressing
import Ruleset

/// Compiles the policies that select pods on one node into the agent's nftables table, and keeps the
/// result current as objects change: a pod change moves its elements in the sets it belongs to, and
/// only a change to a local pod or to a policy rebuilds the (few) chains and the dispatch maps.
///
/// Layout (a small static skeleton; everything else is sets, maps and per-group chains):
/// - base chain `forward_hook` on the forward hook at filter priority, after DNAT: replies of
///   accepted connections pass; then the source pod's egress chain and the destination pod's ingress
///   chain are reached through verdict maps keyed by pod IP, so the cost of a packet does not grow
///   with the number of pods or policies in the cluster.
/// - one chain per distinct list of policies isolating a pod in a direction: each rule `return`s when
///   it allows the packet; the chain ends in the deny action.
/// - named counters: one per policy and direction for what its rules allow, one per chain for what it
///   denies, one per ClusterNetworkPolicy rule (see `CounterAttribution`).
/// - peer sets shared by every rule with the same selector, ipBlock, port list or port name.
/// - ClusterNetworkPolicies add Admin and Baseline chains around a pod's NetworkPolicy chain (see
///   `NodeCompiler+ClusterPolicies.swift`); a pod no ClusterNetworkPolicy selects gets none of them.
public struct NodeCompiler: Sendable {
    public let node: String
    public let options: CompilerOptions
    private var index: ClusterIndex
    private var sets = SetRegistry()
    private var policies: [ObjectReference: NetworkPolicy] = [:]
    private var policiesByNamespace: [String: Set<ObjectReference>] = [:]
    private var clusterPolicies: [String: ClusterNetworkPolicy] = [:]
    private var clusterNodes: [String: ClusterNode] = [:]
    /// Compiled rules of each policy and direction, reused by every chain that includes the policy.
    private var compiledRules: [PolicyDirection: [Rule]] = [:]
    /// Compiled rules of each ClusterNetworkPolicy and direction, one list per rule in written order,
    /// with Pass still to be pointed at the next tier of the chain that uses them.
    var compiledClusterRules: [ClusterPolicyDirection: [[Rule]]] = [:]
    /// The sets the current chains look up: the only ones the table holds. The registry keeps some
    /// unused ones too, so a pod arriving for a recently unused selector does not rebuild its set.
    private var usedSets: Set<String> = []
    private var chains: [Chain] = []
    var counters = PolicyCounters()
    private var dispatchMaps: [NamedSet] = []
    /// Verdict maps of the input hook for pods' new connections to this node (`--node-egress allow`).
    private var nodeEgressMaps: [NamedSet] = []
    private var nodeNetwork = NodeNetwork()
    /// With `--unknown-pod-ips deny`: the node's pod CIDRs less known pods and node addresses.
    private var unknownPodSets: [NamedSet] = []
    private var targetsChanged = true

    fileprivate struct PolicyDirection: Hashable {
        var policy: ObjectReference
        var direction: Direction
    }

    struct ClusterPolicyDirection: Hashable {
        var policy: String
        var direction: Direction
    }

    public init(node: String, options: CompilerOptions = CompilerOptions()) {
        self.node = node
        self.options = options
        self.index = ClusterIndex(node: node)
    }

    // MARK: - Changes

    public mutating func upsert(_ namespace: Namespace) {
        guard index.namespaceLabels[namespace.name] != namespace.labels else { return }
        index.upsertNamespace(namespace)
        sets.namespacesChanged(index: index)
        // ClusterNetworkPolicy subjects select namespaces by label.
        if !clusterPolicies.isEmpty { targetsChanged = true }
    }

    public mutating func removeNamespace(named name: String) {
        guard index.namespaceLabels[name] != nil else { return }
        index.removeNamespace(named: name)
        sets.namespacesChanged(index: index)
        if !clusterPolicies.isEmpty { targetsChanged = true }
    }

    public mutating func upsert(_ pod: Pod) { update(pod.reference, to: pod) }

    public mutating func removePod(_ reference: ObjectReference) { update(reference, to: nil) }

    private mutating func update(_ reference: ObjectReference, to pod: Pod?) {
        let changes = index.update(reference, to: pod)
        sets.apply(changes, index: index)
        if changes.contains(where: { $0.before?.nodeName == node || $0.after?.nodeName == node }) { targetsChanged = true }
    }

    public mutating func upsert(_ policy: NetworkPolicy) {
        if let old = policies[policy.reference], old == policy { return }
        removePolicy(policy.reference)
        policies[policy.reference] = policy
        policiesByNamespace[policy.namespace, default: []].insert(policy.reference)
        targetsChanged = true
    }

    public mutating func removePolicy(_ reference: ObjectReference) {
        guard policies.removeValue(forKey: reference) != nil else { return }
        policiesByNamespace[reference.namespace ?? ""]?.remove(reference)
        for direction in Direction.allCases { compiledRules[PolicyDirection(policy: reference, direction: direction)] = nil }
        targetsChanged = true
    }

    public mutating func upsert(_ policy: ClusterNetworkPolicy) {
        guard clusterPolicies[policy.name] != policy else { return }
        removeClusterPolicy(named: policy.name)
        clusterPolicies[policy.name] = policy
        targetsChanged = true
    }

    public mutating func removeClusterPolicy(named name: String) {
        guard clusterPolicies.removeValue(forKey: name) != nil else { return }
        for direction in Direction.allCases { compiledClusterRules[ClusterPolicyDirection(policy: name, direction: direction)] = nil }
        targetsChanged = true
    }

    /// Any Node of the cluster, for ClusterNetworkPolicy `nodes` peers: only the sets of its addresses change.
    public mutating func upsert(_ node: ClusterNode) {
        let before = clusterNodes[node.name]
        guard before != node else { return }
        clusterNodes[node.name] = node
        sets.nodeChanged(before: before, after: node, nodes: clusterNodes)
    }

    public mutating func removeNode(named name: String) {
        guard let before = clusterNodes.removeValue(forKey: name) else { return }
        sets.nodeChanged(before: before, after: nil, nodes: clusterNodes)
    }

    /// The node's pod CIDRs and addresses, for `--unknown-pod-ips deny`.
    public mutating func setNodeNetwork(_ network: NodeNetwork) {
        guard network != nodeNetwork else { return }
        nodeNetwork = network
        targetsChanged = true
    }

    // MARK: - Result

    /// The table as it should be now. Unchanged sets share storage with the previous result, so
    /// comparing the two is cheap.
    public mutating func ruleset() -> Ruleset {
        if targetsChanged { rebuildTargets() }
        let table = Table(family: .inet, name: options.tableName,
                          comment: nftComment("NetworkPolicy enforcement for node \(node)"),
                          sets: dispatchMaps + nodeEgressMaps + unknownPodSets + sets.sets.values.filter { usedSets.contains($0.name) }.sorted { $0.name < $1.name },
                          counters: counters.declarations,
                          chains: [forwardHook()] + (inputHook().map { [$0] } ?? []) + chains)
        return Ruleset(table: table)
    }

    /// The addresses of this node's pods that the table enforces for.
    public var localPodAddresses: [IPAddress] { index.localSlots.sorted().compactMap(index.pod(at:)).flatMap(\.addresses) }

    /// What each named counter of the last `ruleset()` counts, by counter name. A policy that isolates
    /// no pod on this node has no counters.
    public var counterAttribution: [String: CounterAttribution] { counters.attribution }

    /// What one rebuild gathers: the chains by name, the verdict map elements by map name, and the
    /// compiled rules the chains use.
    struct TargetBuild {
        var compiler: RuleCompiler
        var chainsByName: [String: Chain] = [:]
        var mapElements: [String: [SetElement]] = [:]
        fileprivate var inUse: Set<PolicyDirection> = []
        var clusterInUse: Set<ClusterPolicyDirection> = []
    }

    /// Recomputes which policies apply to each local pod, the chains for those policy lists and the
    /// dispatch maps; then forgets sets and compiled rules nothing uses any more.
    private mutating func rebuildTargets() {
        var build = TargetBuild(compiler: RuleCompiler(index: index, nodes: clusterNodes, sets: sets))
        sets = SetRegistry()  // the compiler holds the only copy while it adds sets
        counters = PolicyCounters()
        var localAddresses: [IPAddress] = []
        var sortedPolicies: [String: [ObjectReference]] = [:]
        let tiers = ClusterPolicyTiers(clusterPolicies.values)
        for slot in index.localSlots {
            guard let pod = index.pod(at: slot) else { continue }
            localAddresses += pod.addresses
            if sortedPolicies[pod.namespace] == nil { sortedPolicies[pod.namespace] = (policiesByNamespace[pod.namespace] ?? []).sorted() }
            let selecting = sortedPolicies[pod.namespace]!.filter { policies[$0]!.podSelector.matches(pod.labels) }
            let subjectOf = tiers.selecting(pod, index: index)
            for direction in Direction.allCases {
                let isolating = selecting.filter { direction == .ingress ? policies[$0]!.isolatesIngress : policies[$0]!.isolatesEgress }
                let networkPolicyChain = isolating.isEmpty ? nil : networkPolicyChain(isolating, direction, &build)
                let entries = tierEntries(admin: subjectOf.admin.filter { $0.hasRules(direction) }, networkPolicyChain: networkPolicyChain,
                                          baseline: subjectOf.baseline.filter { $0.hasRules(direction) }, direction, &build)
                for address in pod.addresses {
                    if let chain = entries.forward {
                        build.mapElements[direction.dispatchMap(address.family), default: []].append(
                            SetElement(key: [.address(address)], verdict: .jump(chain)))
                    }
                    if let chain = entries.nodeEgress {
                        build.mapElements[Self.nodeEgressMap(address.family), default: []].append(
                            SetElement(key: [.address(address)], verdict: .jump(chain)))
                    }
                }
            }
        }
        sets = build.compiler.sets
        chains = build.chainsByName.values.sorted { $0.name < $1.name }
        dispatchMaps = Direction.allCases.flatMap { direction in
            IPFamily.allCases.map { family in
                let name = direction.dispatchMap(family)
                return NamedSet(name: name, keyType: [family.addressType], isVerdictMap: true,
                                comment: "local pods isolated for \(direction.rawValue), by IP\(family.rawValue) address",
                                elements: (build.mapElements[name] ?? []).sorted())
            }
        }
        let nodeEgress = IPFamily.allCases.map { build.mapElements[Self.nodeEgressMap($0)] ?? [] }
        nodeEgressMaps = nodeEgress.allSatisfy(\.isEmpty) ? [] : IPFamily.allCases.map { family in
            let name = Self.nodeEgressMap(family)
            return NamedSet(name: name, keyType: [family.addressType], isVerdictMap: true,
                            comment: "local pods with ClusterNetworkPolicy egress, to this node, by IP\(family.rawValue) address",
                            elements: (build.mapElements[name] ?? []).sorted())
        }
        unknownPodSets = options.unknownPodIPs == .deny ? unknownPodSets(knownPods: localAddresses) : []
        usedSets = Set(chains.flatMap { $0.rules.flatMap(\.setNames) })
        // Spares are bounded: each set costs a selector check per pod change.
        let forgotten = sets.forgetUnused(keeping: usedSets, spares: max(64, usedSets.count))
        // Compiled rules stay for policies still here, unless they name a set just forgotten.
        let namesForgotten = { (rules: [Rule]) in rules.contains { $0.setNames.contains(where: forgotten.contains) } }
        compiledRules = compiledRules.filter { key, rules in
            build.inUse.contains(key) || policies[key.policy] != nil && !namesForgotten(rules)
        }
        compiledClusterRules = compiledClusterRules.filter { key, rules in
            build.clusterInUse.contains(key) || clusterPolicies[key.policy] != nil && !namesForgotten(rules.flatMap { $0 })
        }
        targetsChanged = false
    }

    /// The chain of the NetworkPolicies isolating a pod in `direction`: their allow rules, then the deny.
    private mutating func networkPolicyChain(_ isolating: [ObjectReference], _ direction: Direction, _ build: inout TargetBuild) -> String {
        let chainName = "\(direction.rawValue)_\(StableName.hash(isolating.map(\.description).joined(separator: ",")))"
        if build.chainsByName[chainName] == nil {
            var rules: [Rule] = []
            for reference in isolating {
                let allowing = compiledRules(of: reference, direction: direction, compiler: &build.compiler)
                if !allowing.isEmpty { counters.countAllowed(by: reference, direction) }
                rules += allowing
                build.inUse.insert(PolicyDirection(policy: reference, direction: direction))
            }
            let denied = counters.countDenied(inChain: chainName, policies: isolating, direction)
            build.chainsByName[chainName] = Chain(name: chainName, comment: chainComment(isolating, direction),
                                                  rules: rules + [denyRule(counter: denied, comment: "no policy allows this \(direction.rawValue)")])
        }
        return chainName
    }

    private mutating func compiledRules(of reference: ObjectReference, direction: Direction, compiler: inout RuleCompiler) -> [Rule] {
        let key = PolicyDirection(policy: reference, direction: direction)
        if let known = compiledRules[key] { return known }
        let policy = policies[reference]!
        let counter = PolicyCounters.allowedName(reference, direction)
        let rules = (direction == .ingress ? policy.ingress : policy.egress).enumerated().flatMap { position, rule in
            compiler.compile(rule, direction: direction, counter: counter,
                             comment: nftComment("\(policy.namespace)/\(policy.name) \(direction.rawValue)[\(position)]"))
        }
        compiledRules[key] = rules
        return rules
    }

    /// Names the chain's policies; an unreadable one's stand-in says why it allows nothing.
    private func chainComment(_ isolating: [ObjectReference], _ direction: Direction) -> String {
        let names = isolating.map { reference in
            reference.namespacedName + (policies[reference]!.unreadable.map { " (unreadable, allows nothing: \($0))" } ?? "")
        }
        return nftComment("\(direction.rawValue) of pods selected by \(names.joined(separator: ", "))")
    }

    /// Every deny of the table, whichever tier it belongs to, is built here.
    func denyRule(_ matches: [Match] = [], counter: String, comment: String) -> Rule {
        Rule(matches: matches, namedCounter: counter, action: options.denyAction == .drop ? .verdict(.drop) : .reject,
             comment: nftComment(comment))
    }

    private func unknownPodSets(knownPods: [IPAddress]) -> [NamedSet] {
        IPFamily.allCases.map { family in
            NamedSet(name: Self.unknownPodSet(family), keyType: [family.addressType], isInterval: true,
                     comment: "addresses of this node's pod CIDRs that no known pod holds, node addresses excepted",
                     elements: nodeNetwork.unknownPodAddresses(family, knownPods: knownPods).ranges.map { SetElement(key: [.address($0)]) })
        }
    }

    private static func unknownPodSet(_ family: IPFamily) -> String { "unknown_pods_\(family.rawValue)" }

    /// Replies and related traffic of allowed connections pass first (cheapest).
    private static let establishedAccept = Rule(matches: [.conntrackState([.established, .related])], action: .verdict(.accept),
                                                comment: "replies and related traffic of allowed connections")

    /// The static entry point: packets of revoked connections are dropped; neighbour discovery and
    /// established traffic pass (cheapest); then (strict mode) unknown pod addresses are dropped; then
    /// egress of the source pod, then ingress of the destination pod. Traffic of pods no policy isolates
    /// falls through to accept.
    private func forwardHook() -> Chain {
        var rules: [Rule] = []
        if let bit = options.revocationLabelBit {
            rules.append(Rule(matches: [.conntrackLabel(bit: bit)], action: .verdict(.drop),
                              comment: "connections a policy change revoked"))
        }
        // Pods on one bridge resolve each other through this hook (br_netfilter), untracked: no
        // `established` for the reply, so isolated pods' chains would drop it.
        rules.append(Rule(matches: [.icmpv6Type(ICMPv6.neighbourDiscovery)], action: .verdict(.accept),
                          comment: "IPv6 neighbour discovery between pods on one bridge"))
        rules.append(Self.establishedAccept)
        if options.unknownPodIPs == .deny {
            for direction in [Direction.egress, .ingress] {
                for family in IPFamily.allCases {
                    rules.append(Rule(matches: [.inSet(fields: [direction.ownAddress(family)], set: Self.unknownPodSet(family))],
                                      action: .verdict(.drop), comment: "a pod address not known yet"))
                }
            }
        }
        for direction in [Direction.egress, .ingress] {
            for family in IPFamily.allCases {
                rules.append(Rule(action: .verdictMap(fields: [direction.ownAddress(family)], map: direction.dispatchMap(family))))
            }
        }
        return Chain(name: "forward_hook", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept),
                     comment: "pod traffic after DNAT: egress of the source pod, then ingress of the destination pod",
                     rules: rules)
    }

    /// New connections local pods open to this node's own addresses: with `--node-egress policy` judged
    /// by the same egress chains as forwarded traffic; otherwise only ClusterNetworkPolicy egress judges
    /// them (`nodeEgressMaps`), and without such pods there is no input hook. Ingress from the node
    /// (kubelet probes) leaves on the output hook and is not judged; its replies pass here as
    /// established. Only `ct state new` is judged: IPv6 neighbour discovery is untracked, and a pod
    /// answers the node's solicitation from its own address; judging that advertisement would cut the
    /// node off from the pod.
    private func inputHook() -> Chain? {
        guard options.nodeEgress == .policy || !nodeEgressMaps.isEmpty else { return nil }
        let map = { (family: IPFamily) in options.nodeEgress == .policy ? Direction.egress.dispatchMap(family) : Self.nodeEgressMap(family) }
        return Chain(name: "input_hook", hook: BaseChainHook(hook: .input, priority: 0, policy: .accept),
                     comment: "new connections to this node: egress of the source pod",
                     rules: [Self.establishedAccept] + IPFamily.allCases.map { family in
                         Rule(matches: [.conntrackState([.new])],
                              action: .verdictMap(fields: [Direction.egress.ownAddress(family)], map: map(family)))
                     })
    }

    static func nodeEgressMap(_ family: IPFamily) -> String { "node_egress_\(family.rawValue)" }
}

