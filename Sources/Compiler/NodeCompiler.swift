import ClusterModel
import IPAddressing
import Ruleset

/// Compiles the policies that select pods on one node into the agent's nftables table, and keeps the
/// result current as objects change: a pod change moves its elements in the sets it belongs to; a
/// local pod's change places that pod again (`LocalPodPlacement`): its map elements move, and a chain
/// is created or dropped only when the pod is the first or last of its group; only a change to a policy
/// (or to what selects pods for ClusterNetworkPolicies) rebuilds every chain and map.
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
    private(set) var index: ClusterIndex
    private var sets = SetRegistry()
    private var policies: [ObjectReference: NetworkPolicy] = [:]
    private var policiesByNamespace: [String: Set<ObjectReference>] = [:]
    private var clusterPolicies: [String: ClusterNetworkPolicy] = [:]
    private var clusterNodes: [String: ClusterNode] = [:]
    /// Compiled rules of each policy and direction, with the position of the policy rule each comes
    /// from, reused by every chain that includes the policy.
    private var compiledRules: [PolicyDirection: [(position: Int, rule: Rule)]] = [:]
    /// Compiled rules of each ClusterNetworkPolicy and direction, one list per rule in written order,
    /// with Pass still to be pointed at the next tier of the chain that uses them.
    var compiledClusterRules: [ClusterPolicyDirection: [[Rule]]] = [:]
    /// The chains local pods' paths go through, with their counters and the sets they look up (the
    /// only ones the table holds; the registry keeps some unused ones too, so a pod arriving for a
    /// recently unused selector does not rebuild its set).
    var chainStore = ChainStore()
    /// What each local pod added to the table.
    private var placements: [ObjectReference: LocalPodPlacement] = [:]
    private var verdictMaps = VerdictMaps()
    /// The NetworkPolicies of a namespace in chain order, and the ClusterNetworkPolicies by tier, as
    /// placing a pod reads them; kept until the policies change.
    private var sortedPolicies: [String: [ObjectReference]] = [:]
    private var tiers = ClusterPolicyTiers([ClusterNetworkPolicy]())
    private var nodeNetwork = NodeNetwork()
    /// With `--unknown-pod-ips deny`: the node's pod CIDRs less known pods and node addresses.
    private var unknownPodSets: [NamedSet] = []
    /// Something that can change any pod's chains, or the chains themselves, changed: every local pod
    /// is placed again, on new chains.
    private var structureChanged = true
    /// Local pods that came, went or changed (their labels, addresses, node, or an address another pod
    /// took or gave back): placed again one by one.
    private var dirtyLocalPods: Set<ObjectReference> = []
    /// The last ruleset's sets and chains, patched rather than listed again.
    private var listing = TableListing()

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

    /// Room for `pods` more pods: a first load then fills its tables without growing them step by step.
    public mutating func reserveCapacity(pods: Int) { index.reserveCapacity(pods: pods) }

    public mutating func upsert(_ namespace: Namespace) {
        guard index.namespaceLabels[namespace.name] != namespace.labels else { return }
        index.upsertNamespace(namespace)
        sets.namespacesChanged(index: index)
        // ClusterNetworkPolicy subjects select namespaces by label.
        if !clusterPolicies.isEmpty { structureChanged = true }
    }

    public mutating func removeNamespace(named name: String) {
        guard index.namespaceLabels[name] != nil else { return }
        index.removeNamespace(named: name)
        sets.namespacesChanged(index: index)
        if !clusterPolicies.isEmpty { structureChanged = true }
    }

    public mutating func upsert(_ pod: Pod) { update(pod.reference, to: pod) }

    public mutating func removePod(_ reference: ObjectReference) { update(reference, to: nil) }

    /// `upsert` of every pod, for a first load whose pods come before its policies: while no set lists
    /// pods, a new pod whose addresses nobody claims changes nothing but the index, so it skips the
    /// change bookkeeping.
    public mutating func load(_ pods: [Pod]) {
        index.reserveCapacity(addresses: pods.reduce(0) { $0 + $1.addresses.count })
        for pod in pods {
            let reference = pod.reference
            guard !sets.listsPods, pod.isEnforceable, index.insertIfNew(pod, reference: reference) else {
                update(reference, to: pod)
                continue
            }
            if pod.nodeName == node { dirtyLocalPods.insert(reference) }
        }
    }

    private mutating func update(_ reference: ObjectReference, to pod: Pod?) {
        // While no set lists pods (a first sync feeds its pods before its policies), a new pod whose
        // addresses nobody claims changes the index alone.
        if let pod, !sets.listsPods, pod.isEnforceable, index.insertIfNew(pod, reference: reference) {
            return markIfLocal(pod)
        }
        let changes = index.update(reference, to: pod)
        sets.apply(changes, index: index)
        for change in changes {
            markIfLocal(change.before)
            markIfLocal(change.after)
        }
    }

    private mutating func markIfLocal(_ pod: Pod?) {
        if let pod, pod.nodeName == node { dirtyLocalPods.insert(pod.reference) }
    }

    public mutating func upsert(_ policy: NetworkPolicy) {
        if let old = policies[policy.reference], old == policy { return }
        removePolicy(policy.reference)
        policies[policy.reference] = policy
        policiesByNamespace[policy.namespace, default: []].insert(policy.reference)
        structureChanged = true
    }

    public mutating func removePolicy(_ reference: ObjectReference) {
        guard policies.removeValue(forKey: reference) != nil else { return }
        policiesByNamespace[reference.namespace ?? ""]?.remove(reference)
        for direction in Direction.allCases { compiledRules[PolicyDirection(policy: reference, direction: direction)] = nil }
        structureChanged = true
    }

    public mutating func upsert(_ policy: ClusterNetworkPolicy) {
        guard clusterPolicies[policy.name] != policy else { return }
        removeClusterPolicy(named: policy.name)
        clusterPolicies[policy.name] = policy
        structureChanged = true
    }

    public mutating func removeClusterPolicy(named name: String) {
        guard clusterPolicies.removeValue(forKey: name) != nil else { return }
        for direction in Direction.allCases { compiledClusterRules[ClusterPolicyDirection(policy: name, direction: direction)] = nil }
        structureChanged = true
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
        structureChanged = true
    }

    // MARK: - Result

    /// The table as it should be now. Unchanged sets share storage with the previous result, so
    /// comparing the two is cheap.
    public mutating func ruleset() -> Ruleset {
        if structureChanged {
            rebuildTargets()
        } else if !dirtyLocalPods.isEmpty {
            placeDirtyLocalPods()
        }
        let counters = chainStore.counters.declarations, changedSets = sets.takeChangedSets()
        let table = Table(family: .inet, name: options.tableName,
                          comment: nftComment("NetworkPolicy enforcement for node \(node)"),
                          sets: listing.sets(leading: verdictMaps.sets + unknownPodSets, used: chainStore.usedSets, registry: sets,
                                             changed: changedSets),
                          // Without deny logging, the store's own array: shared, not copied.
                          counters: options.denyLogging == nil ? counters : counters + [DenyLogging.suppressedCounter],
                          limits: options.denyLogging.map { [$0.limit] } ?? [],
                          chains: listing.chains(base: [forwardHook()] + (inputHook().map { [$0] } ?? []), stored: chainStore.chains))
        return Ruleset(table: table)
    }

    /// The pod that holds `address` as the table sees it (the newest, when a reused address is claimed
    /// twice); nil for addresses no pod taking part in policy holds.
    public func pod(owning address: IPAddress) -> Pod? { index.pod(owning: address) }

    /// The addresses of this node's pods that the table enforces for.
    public var localPodAddresses: [IPAddress] { index.localSlots.sorted().compactMap(index.pod(at:)).flatMap(\.addresses) }

    /// What each named counter of the last `ruleset()` counts, by counter name. A policy that isolates
    /// no pod on this node has no counters.
    public var counterAttribution: [String: CounterAttribution] { chainStore.counters.attribution }

    /// What the chains, rules and sets of the last `ruleset()` stand for.
    public var meaning: RulesetMeaning {
        let used = Set(chainStore.usedSets)
        return RulesetMeaning(chains: chainStore.meanings, sets: sets.meanings.filter { used.contains($0.key) },
                              dispatchMaps: Dictionary(uniqueKeysWithValues: Direction.allCases.flatMap { direction in
                                  IPFamily.allCases.map { (direction.dispatchMap($0), direction) }
                              } + IPFamily.allCases.map { (VerdictMaps.nodeEgressMap($0), Direction.egress) }))
    }

    /// With deny logging: what each log prefix of the last `ruleset()` denies for (the chain's isolating
    /// policies, or the ClusterNetworkPolicy rule), by prefix. Empty without deny logging.
    public var denyLogAttribution: [String: CounterAttribution] {
        guard options.denyLogging != nil else { return [:] }
        return chainStore.counters.attribution.filter { $0.value.verdict == .denied }
    }

    /// What placing pods gathers: the compiler, which holds the set registry while it adds sets, and
    /// the chains on the paths of the pod being placed.
    struct TargetBuild {
        var compiler: RuleCompiler
        var chainsOnPaths: [String] = []
        /// Those of the pod being placed.
        var families = ChainFamilies.both
    }

    /// Places every local pod again, on chains built anew; then forgets sets and compiled rules nothing
    /// uses any more.
    private mutating func rebuildTargets() {
        chainStore = ChainStore()
        placements = [:]
        verdictMaps = VerdictMaps()
        sortedPolicies = [:]
        tiers = ClusterPolicyTiers(clusterPolicies.values)
        place(index.localSlots.compactMap { index.pod(at: $0)?.reference })
        forgetUnusedSets()
        structureChanged = false
        dirtyLocalPods = []
    }

    /// Places the local pods that changed again; the rest of the table stays as it is.
    private mutating func placeDirtyLocalPods() {
        place(Array(dirtyLocalPods))
        dirtyLocalPods = []
        // Chains come and go with pods between rebuilds, and the sets they used stay as spares: bound them.
        if sets.sets.count > 2 * (chainStore.usedSets.count + spareSets) { forgetUnusedSets() }
    }

    /// Replaces the placements of `pods`: the new ones take their chains before the old ones release
    /// theirs, so a chain both use stays as it is; all old elements leave the maps before the new ones
    /// enter, so an address passing between two of these pods ends up with its new owner.
    private mutating func place(_ pods: [ObjectReference]) {
        var build = TargetBuild(compiler: RuleCompiler(index: index, nodes: clusterNodes, sets: sets))
        sets = SetRegistry()  // the compiler holds the only copy while it adds sets
        let placed = pods.compactMap { reference in index.localPod(reference).map { (reference, placement(of: $0, &build)) } }
        sets = build.compiler.sets
        sets.fillDeclared(index: index)
        for reference in pods {
            guard let old = placements.removeValue(forKey: reference) else { continue }
            chainStore.release(old.chains)
            verdictMaps.remove(old.elements)
        }
        for (reference, placement) in placed {
            placements[reference] = placement
            verdictMaps.insert(placement.elements)
        }
        if options.unknownPodIPs == .deny {
            unknownPodSets = unknownPodSets(knownPods: index.localSlots.compactMap(index.pod(at:)).flatMap(\.addresses))
        }
    }

    /// Which policies apply to `pod` in each direction, the chains for them (found in the store, or
    /// built), and the map elements sending its addresses there.
    private mutating func placement(of pod: Pod, _ build: inout TargetBuild) -> LocalPodPlacement {
        if sortedPolicies[pod.namespace] == nil { sortedPolicies[pod.namespace] = (policiesByNamespace[pod.namespace] ?? []).sorted() }
        let selecting = sortedPolicies[pod.namespace]!.filter { policies[$0]!.podSelector.matches(pod.labels) }
        let subjectOf = tiers.selecting(pod, index: index)
        var placement = LocalPodPlacement()
        build.chainsOnPaths = []
        build.families = ChainFamilies(of: pod)
        for direction in Direction.allCases {
            let isolating = selecting.filter { direction == .ingress ? policies[$0]!.isolatesIngress : policies[$0]!.isolatesEgress }
            let networkPolicyChain = isolating.isEmpty ? nil : networkPolicyChain(isolating, direction, &build)
            let entries = tierEntries(admin: subjectOf.admin.filter { $0.hasRules(direction) }, networkPolicyChain: networkPolicyChain,
                                      baseline: subjectOf.baseline.filter { $0.hasRules(direction) }, direction, &build)
            for address in pod.addresses {
                if let chain = entries.forward {
                    placement.elements.append(VerdictMapElement(map: direction.dispatchMap(address.family),
                                                                element: SetElement(key: SetKey(.address(address)), verdict: .jump(chain))))
                }
                if let chain = entries.nodeEgress {
                    placement.elements.append(VerdictMapElement(map: VerdictMaps.nodeEgressMap(address.family),
                                                                element: SetElement(key: SetKey(.address(address)), verdict: .jump(chain))))
                }
            }
        }
        placement.chains = build.chainsOnPaths
        chainStore.retain(placement.chains)
        return placement
    }

    /// Spares are bounded: each set costs a selector check per pod change.
    private var spareSets: Int { max(64, chainStore.usedSets.count) }

    /// Forgets the unused sets beyond the spares, and the compiled rules that name one of them.
    private mutating func forgetUnusedSets() {
        let forgotten = sets.forgetUnused(keeping: Set(chainStore.usedSets), spares: spareSets)
        guard !forgotten.isEmpty else { return }
        // Rules of chains in use name only used sets, so only rules no chain uses are dropped.
        let namesForgotten = { (rules: [Rule]) in rules.contains { $0.setNames.contains(where: forgotten.contains) } }
        compiledRules = compiledRules.filter { !namesForgotten($0.value.map(\.rule)) }
        compiledClusterRules = compiledClusterRules.filter { !namesForgotten($0.value.flatMap { $0 }) }
    }

    /// The chain of the NetworkPolicies isolating a pod in `direction`: their allow rules, then the deny.
    private mutating func networkPolicyChain(_ isolating: [ObjectReference], _ direction: Direction, _ build: inout TargetBuild) -> String {
        let chainName = "\(direction.rawValue)_\(StableName.hash(isolating.map(\.description).joined(separator: ",")))\(build.families.nameSuffix)"
        build.chainsOnPaths.append(chainName)
        guard !chainStore.contains(chainName) else { return chainName }
        var rules: [Rule] = []
        var meanings: [RuleMeaning] = []
        var counters: [PolicyCounters.Declaration] = []
        for reference in isolating {
            let allowing = compiledRules(of: reference, direction: direction, compiler: &build.compiler).filter { build.families.admits($0.rule) }
            if !allowing.isEmpty { counters.append(PolicyCounters.allowed(by: reference, direction)) }
            rules += allowing.map(\.rule)
            meanings += allowing.map { .allows(PolicyRuleReference(policy: reference, direction: direction, index: $0.position)) }
        }
        let denied = PolicyCounters.denied(inChain: chainName, policies: isolating, direction)
        let denies = denyRules(counter: denied.name, comment: "no policy allows this \(direction.rawValue)")
        chainStore.add(Chain(name: chainName, comment: chainComment(isolating, direction), rules: rules + denies),
                       meaning: ChainMeaning(direction: direction, tier: .networkPolicy, policies: isolating,
                                             rules: meanings + denies.map { _ in .deniesTheRest }),
                       counters: counters + [denied])
        return chainName
    }

    private mutating func compiledRules(of reference: ObjectReference, direction: Direction,
                                        compiler: inout RuleCompiler) -> [(position: Int, rule: Rule)] {
        let key = PolicyDirection(policy: reference, direction: direction)
        if let known = compiledRules[key] { return known }
        let policy = policies[reference]!
        let counter = PolicyCounters.allowedName(reference, direction)
        let rules = (direction == .ingress ? policy.ingress : policy.egress).enumerated().flatMap { position, rule in
            compiler.compile(rule, direction: direction, counter: counter,
                             comment: nftComment("\(policy.namespace)/\(policy.name) \(direction.rawValue)[\(position)]"))
                .map { (position: position, rule: $0) }
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

    /// Every deny of the table, whichever tier it belongs to, is built here: one rule, or two with deny logging.
    func denyRules(_ matches: [Match] = [], counter: String, comment: String) -> [Rule] {
        let deny = Rule(matches: matches, namedCounter: counter, action: options.denyAction == .drop ? .verdict(.drop) : .reject,
                        comment: nftComment(comment))
        return options.denyLogging?.rules(denying: deny) ?? [deny]
    }

    private func unknownPodSets(knownPods: [IPAddress]) -> [NamedSet] {
        IPFamily.allCases.map { family in
            NamedSet(name: Self.unknownPodSet(family), keyType: [family.addressType], isInterval: true,
                     comment: "addresses of this node's pod CIDRs that no known pod holds, node addresses excepted",
                     elements: nodeNetwork.unknownPodAddresses(family, knownPods: knownPods).ranges.map { SetElement(key: SetKey(.address($0))) })
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
        guard options.nodeEgress == .policy || verdictMaps.hasNodeEgress else { return nil }
        let map = { (family: IPFamily) in
            options.nodeEgress == .policy ? Direction.egress.dispatchMap(family) : VerdictMaps.nodeEgressMap(family)
        }
        return Chain(name: "input_hook", hook: BaseChainHook(hook: .input, priority: 0, policy: .accept),
                     comment: "new connections to this node: egress of the source pod",
                     rules: [Self.establishedAccept] + IPFamily.allCases.map { family in
                         Rule(matches: [.conntrackState([.new])],
                              action: .verdictMap(fields: [Direction.egress.ownAddress(family)], map: map(family)))
                     })
    }
}

