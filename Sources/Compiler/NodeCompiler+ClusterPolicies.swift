import ClusterModel
import Ruleset

/// ClusterNetworkPolicy tiers around a pod's NetworkPolicy chain, per direction (semantics: network-policy-api
/// apis/v1alpha2/clusternetworkpolicy_types.go, `spec.tier` and the rule actions):
/// - the Admin chain holds the rules of the Admin CNPs selecting the pod, in (priority, name) order:
///   Accept `return`s (allowed in this direction; the destination's ingress is still judged), Deny
///   denies, Pass `goto`s the next tier; after its last rule it `goto`s the next tier too.
/// - the next tier is the NetworkPolicy chain when NetworkPolicies isolate the pod in this direction
///   (they decide), else the Baseline chain, whose rules work alike except that Pass `return`s and
///   falling off its end `return`s: default allow. A CNP never isolates a pod implicitly.
/// - the pod's verdict map entry jumps to the first of these chains that exists.
extension NodeCompiler {
    /// Pass rules carry this until a chain points them at its next tier.
    private static let passToNextTier = Action.verdict(.goto("next tier"))

    /// The chains a local pod's verdict map entries jump to in `direction`: through the forward hook,
    /// and (egress, `--node-egress allow`) through the input hook to this node, where the NetworkPolicy
    /// tier allows everything (reading §6.9 of the project's CNP notes).
    mutating func tierEntries(admin: [ClusterNetworkPolicy], networkPolicyChain: String?, baseline: [ClusterNetworkPolicy],
                              _ direction: Direction, _ build: inout TargetBuild) -> (forward: String?, nodeEgress: String?) {
        // NetworkPolicies that isolate the pod decide, so its Baseline chain would be unreachable.
        let baselineChain = baseline.isEmpty || networkPolicyChain != nil ? nil : clusterChain(baseline, direction, next: nil, &build)
        let next = networkPolicyChain ?? baselineChain
        let forward = admin.isEmpty ? next : clusterChain(admin, direction, next: next, &build)
        guard direction == .egress, options.nodeEgress == .allow, !admin.isEmpty || baselineChain != nil else { return (forward, nil) }
        return (forward, admin.isEmpty ? baselineChain : clusterChain(admin, direction, next: baselineChain, &build))
    }

    /// The chain of one tier's policies (all of one tier) for `direction`, ending in `goto next`.
    private mutating func clusterChain(_ policies: [ClusterNetworkPolicy], _ direction: Direction, next: String?,
                                       _ build: inout TargetBuild) -> String {
        let tier = policies[0].tier
        let identity = policies.map(\.name).joined(separator: ",") + (next.map { " then \($0)" } ?? "")
        let name = "\(direction.rawValue)_\(tier == .admin ? "admin" : "baseline")_\(StableName.hash(identity))\(build.families.nameSuffix)"
        build.chainsOnPaths.append(name)
        guard !chainStore.contains(name) else { return name }
        let pass = Action.verdict(next.map { .goto($0) } ?? .return)
        var rules: [Rule] = []
        var meanings: [RuleMeaning] = []
        var counters: [PolicyCounters.Declaration] = []
        for policy in policies {
            let identities: [ClusterRuleIdentity?] = policy.unreadable != nil ? [nil]
                : policy.rules(direction).enumerated().map { ClusterRuleIdentity(index: $0, name: $1.name, action: $1.action) }
            let compiledRules = clusterRules(of: policy, direction, &build.compiler).map { $0.filter(build.families.admits) }
            counters += ruleCounters(policy, direction, compiledRules)
            for (identity, compiled) in zip(identities, compiledRules) {
                let reference = ClusterRuleReference(policy: policy.name, tier: PolicyTier(tier), priority: policy.priority,
                                                     direction: direction, rule: identity)
                for var rule in compiled {
                    if rule.action == Self.passToNextTier { rule.action = pass }
                    rules.append(rule)
                    meanings.append(.clusterRule(reference))
                }
            }
        }
        if let next {
            rules.append(Rule(action: .verdict(.goto(next)), comment: "no \(tier.rawValue) rule decided: next tier"))
            meanings.append(.nextTier)
        }
        let names = policies.map { "\($0.name) (\($0.priority))" }.joined(separator: ", ")
        let then = next.map { "; then \($0)" } ?? (tier == .baseline ? "; then allowed" : "")
        chainStore.add(Chain(name: name, comment: nftComment("\(direction.rawValue) of pods selected by \(tier.rawValue) ClusterNetworkPolicy \(names)\(then)"),
                             rules: rules),
                       meaning: ChainMeaning(direction: direction, tier: PolicyTier(tier), policies: policies.map(\.reference), rules: meanings),
                       counters: counters)
        return name
    }

    /// The compiled rules of one policy and direction, one list per rule in written order, compiled once
    /// and shared by every chain.
    private mutating func clusterRules(of policy: ClusterNetworkPolicy, _ direction: Direction, _ compiler: inout RuleCompiler) -> [[Rule]] {
        let key = ClusterPolicyDirection(policy: policy.name, direction: direction)
        let compiled = compiledClusterRules[key] ?? compileClusterRules(of: policy, direction, &compiler)
        compiledClusterRules[key] = compiled
        return compiled
    }

    /// The counters of one policy's rules in `direction` that compiled to something: every chain holding
    /// the policy declares them.
    private func ruleCounters(_ policy: ClusterNetworkPolicy, _ direction: Direction, _ compiled: [[Rule]]) -> [PolicyCounters.Declaration] {
        let label = ruleLabel(policy, direction)
        if policy.unreadable != nil {
            return [PolicyCounters.clusterRule(policy, direction, nil, verdict: .denied, comment: "\(label): unreadable, denies all")]
        }
        return policy.rules(direction).enumerated().filter { !compiled[$0.offset].isEmpty }.map { position, rule in
            let verdict: CounterAttribution.Verdict = rule.failsClosed != nil || rule.action == .deny ? .denied
                : rule.action == .accept ? .allowed : .passed
            return PolicyCounters.clusterRule(policy, direction, ClusterRuleIdentity(index: position, name: rule.name, action: rule.action),
                                              verdict: verdict, comment: ruleComment(label, position, rule))
        }
    }

    private func compileClusterRules(of policy: ClusterNetworkPolicy, _ direction: Direction, _ compiler: inout RuleCompiler) -> [[Rule]] {
        let label = ruleLabel(policy, direction)
        if let why = policy.unreadable {
            return [denyRules(counter: PolicyCounters.clusterRuleName(policy.name, direction, nil),
                              comment: "\(label): unreadable, denies all: \(why)")]
        }
        return policy.rules(direction).enumerated().map { position, rule in
            let counter = PolicyCounters.clusterRuleName(policy.name, direction, position)
            let comment = ruleComment(label, position, rule)
            // Fail closed as the API asks: an Accept matches nothing, a Deny or Pass denies everything.
            if let why = rule.failsClosed {
                return rule.action == .accept ? [] : denyRules(counter: counter, comment: "\(comment), fails closed: \(why)")
            }
            return compiler.matches(of: rule, direction: direction).flatMap { matches in
                switch rule.action {
                case .accept: return [Rule(matches: matches, namedCounter: counter, action: .verdict(.return), comment: nftComment(comment))]
                case .deny: return denyRules(matches, counter: counter, comment: comment)
                case .pass: return [Rule(matches: matches, namedCounter: counter, action: Self.passToNextTier, comment: nftComment(comment))]
                }
            }
        }
    }

    /// `ClusterNetworkPolicy deny-sensitive (Admin, priority 10) egress`
    private func ruleLabel(_ policy: ClusterNetworkPolicy, _ direction: Direction) -> String {
        "ClusterNetworkPolicy \(policy.name) (\(policy.tier.rawValue), priority \(policy.priority)) \(direction.rawValue)"
    }

    /// `… egress[0] 'deny-vault': Deny` (nft strings cannot hold double quotes).
    private func ruleComment(_ label: String, _ position: Int, _ rule: ClusterPolicyRule) -> String {
        "\(label)[\(position)]\(rule.name.map { " '\($0)'" } ?? ""): \(rule.action.rawValue)"
    }
}
