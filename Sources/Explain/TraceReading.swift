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

    func report(_ direction: Direction, trace: EvaluationTrace) -> DirectionReport {
        let judged = direction == .egress ? source : destination
        var report = DirectionReport(direction: direction.rawValue, pod: judged.pod?.qualifiedName, node: view.name, status: .notReached)
        // The verdict map of this direction, as the base chain tried it.
        let dispatches = trace.steps.enumerated().filter { _, step in
            guard case .verdictMap(_, let map) = view.rule(step)?.action else { return false }
            return view.meaning.dispatchMaps[map] == direction
        }
        guard !dispatches.isEmpty else { return report }
        guard let (start, dispatch) = dispatches.first(where: { $0.element.outcome != .noMapElement }),
              case .took(let verdict) = dispatch.outcome, let chainName = verdict.chainName,
              let chain = view.meaning.chains[chainName] else {
            report.status = .notIsolated
            return report
        }
        report.isolatedBy = chain.policies.map(\.namespacedName)
        report.status = .allowed
        var mismatches: [(rule: String, reasons: [String?])] = []
        for step in trace.steps[(start + 1)...] {
            guard let meaning = view.meaning.chains[step.chain], step.rule < meaning.rules.count else { break }
            switch (meaning.rules[step.rule], step.outcome) {
            case (.allows(let reference), .failed(let match)):
                let reason = view.rule(step).map { MismatchReason(reading: self).describe($0.matches[match], direction: direction) } ?? nil
                if let index = mismatches.firstIndex(where: { $0.rule == reference.description }) {
                    mismatches[index].reasons.append(reason)
                } else {
                    mismatches.append((reference.description, [reason]))
                }
            case (.allows(let reference), .took(.return)):
                report.allowedBy = reference.description
            case (.deniesTheRest, _):
                report.status = .denied
            default:
                break
            }
        }
        report.unmatched = mismatches.map { rule, reasons in
            // Rules of the other address family say nothing about this packet unless nothing else does.
            let known = reasons.compactMap { $0 }
            let unique = known.reduce(into: [String]()) { kept, reason in if !kept.contains(reason) { kept.append(reason) } }
            return RuleMismatch(rule: rule, reason: unique.isEmpty ? "matches only IP\(query.family == .v4 ? "v6" : "v4") addresses" : unique.joined(separator: "; or "))
        }
        if report.status == .denied {
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
