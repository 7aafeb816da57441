import ClusterModel
import Compiler
import IPAddressing
import Ruleset

/// Reads a node's trace of one packet in the policies' terms: whether the verdict map of a direction
/// sent the pod to a chain, which rule of that chain decided, and why the rules before it did not match.
struct TraceReading {
    let facts: ClusterFacts
    let view: NodeView
    let packet: Packet
    let source: ClusterExplainer.Resolved
    let destination: ClusterExplainer.Resolved
    let query: ConnectionQuery

    func report(_ direction: Direction, trace: EvaluationTrace, hook: BaseChainHook.Hook) -> DirectionReport {
        let judged = direction == .egress ? source : destination
        var report = DirectionReport(direction: direction.rawValue, pod: judged.pod?.qualifiedName, node: view.name, hook: hook.rawValue,
                                     status: .notReached)
        // The verdict map of this direction, as the base chain tried it.
        let dispatches = trace.steps.enumerated().filter { _, step in
            guard case .verdictMap(_, let map) = view.rule(step)?.action else { return false }
            return view.meaning.dispatchMaps[map] == direction
        }
        guard !dispatches.isEmpty else {
            // No verdict map on the way: accepted before one (no chain judges this hook), or denied before.
            report.status = trace.verdict == .accept ? .notIsolated : .notReached
            return report
        }
        guard let start = dispatches.first(where: { $0.element.outcome != .noMapElement })?.offset else {
            report.status = .notIsolated
            return report
        }
        report.status = .allowed
        var mismatches: [(rule: String, reasons: [String?])] = []
        var chainsSeen: [String] = []
        // The tier chains the walk went through from the map entry on, until it came back to the base chain.
        for step in trace.steps[(start + 1)...] {
            guard let chain = view.meaning.chains[step.chain], step.rule < chain.rules.count else { break }
            if !chainsSeen.contains(step.chain) {
                chainsSeen.append(step.chain)
                enter(chain, &report)
            }
            let ruleMeaning = chain.rules[step.rule]
            if case .failed(let match) = step.outcome, let name = ruleMeaning.ruleName {
                let reason = view.rule(step).flatMap { MismatchReason(reading: self).describe($0.matches[match], direction: direction) }
                if let index = mismatches.firstIndex(where: { $0.rule == name }) {
                    mismatches[index].reasons.append(reason)
                } else {
                    mismatches.append((name, [reason]))
                }
                continue
            }
            decide(ruleMeaning, step.outcome, &report)
        }
        report.unmatched = mismatches.map { rule, reasons in
            // Rules of the other address family say nothing about this packet unless nothing else does.
            let unique = reasons.compactMap { $0 }.reduce(into: [String]()) { kept, reason in if !kept.contains(reason) { kept.append(reason) } }
            let otherFamily = "matches only IP\(query.family == .v4 ? "v6" : "v4") addresses"
            return RuleMismatch(rule: rule, reason: unique.isEmpty ? otherFamily : unique.joined(separator: "; or "))
        }
        if report.status == .denied, report.deniedBy == nil, let chain = chainsSeen.last.flatMap({ view.meaning.chains[$0] }) {
            let contributing = Set(chain.rules.compactMap { meaning -> ObjectReference? in
                if case .allows(let reference) = meaning { return reference.policy }
                return nil
            })
            for policy in chain.policies where !contributing.contains(policy) {
                report.unmatched.append(RuleMismatch(rule: policy.namespacedName, reason: "allows no \(direction.rawValue)"))
            }
        }
        return report
    }

    /// A tier's chain: NetworkPolicies isolate the pod; ClusterNetworkPolicies of a tier select it.
    private func enter(_ chain: ChainMeaning, _ report: inout DirectionReport) {
        if chain.tier == .networkPolicy {
            report.isolatedBy = chain.policies.map(\.namespacedName)
        } else {
            report.clusterPolicies.append("\(chain.tier.rawValue): \(chain.policies.map(\.name).joined(separator: ", "))")
        }
    }

    /// What a rule that matched did.
    private func decide(_ meaning: RuleMeaning, _ outcome: EvaluationTrace.Outcome, _ report: inout DirectionReport) {
        let denies = outcome == .took(.drop) || outcome == .rejected
        switch meaning {
        case .allows(let reference) where outcome == .took(.return):
            report.allowedBy = reference.description
        case .deniesTheRest where denies:
            report.status = .denied
        case .clusterRule(let reference) where denies:
            report.status = .denied
            report.deniedBy = reference.description
        case .clusterRule(let reference) where reference.rule?.action == .pass:
            report.passedBy.append(reference.description)
        case .clusterRule(let reference) where outcome == .took(.return):
            report.allowedBy = reference.description
        default:
            break
        }
    }
}

extension RuleMeaning {
    /// How explanations name the policy rule, or nil for a chain's own rules.
    var ruleName: String? {
        switch self {
        case .allows(let reference): return reference.description
        case .clusterRule(let reference): return reference.description
        case .deniesTheRest, .nextTier: return nil
        }
    }
}

extension NodeView {
    /// The rule a trace step tried.
    func rule(_ step: EvaluationTrace.Step) -> Rule? {
        chains[step.chain].flatMap { step.rule < $0.rules.count ? $0.rules[step.rule] : nil }
    }
}

extension Verdict {
    var chainName: String? {
        switch self {
        case .jump(let name), .goto(let name): return name
        default: return nil
        }
    }
}
