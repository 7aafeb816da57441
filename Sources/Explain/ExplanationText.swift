/// The text answer, for a person: the verdict first, then one line per direction, then why rules
/// did not admit the connection.
public enum ExplanationText {
    public static func render(_ explanation: Explanation) -> String {
        let connection = "\(explanation.from.label) → \(explanation.to.label) \(explanation.protocol)/\(explanation.port)"
        var lines = ["\(explanation.allowed ? "allowed" : "denied"): \(connection)"]
        for report in [explanation.egress, explanation.ingress] {
            lines.append("  " + line(report, explanation))
            // Under an allowed direction, the rules tried before the one that allowed are noise.
            if report.status == .denied { lines += report.unmatched.map { "    \($0.rule) \($0.reason)" } }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ report: DirectionReport, _ explanation: Explanation) -> String {
        let side = report.direction == "egress" ? explanation.from : explanation.to
        let place = report.node.map { " (\($0)\(report.hook == "input" ? ", input hook: to the node itself" : ""))" } ?? ""
        let subject = "\(report.direction) of \(side.label)\(place)"
        let peer = report.direction == "egress" ? explanation.to.label : explanation.from.label
        let connection = "\(peer):\(explanation.protocol)/\(explanation.port)"
        switch report.status {
        case .unjudged:
            return "\(report.direction) of \(side.label): not judged (\(side.pod == nil ? "outside the cluster" : "on no node"))"
        case .notIsolated: return "\(subject): not isolated, allowed"
        case .notReached: return "\(subject): not reached (denied before)"
        case .allowed, .denied:
            let verdict: String
            if report.status == .allowed {
                verdict = report.allowedBy.map { "\($0) admits \(connection)" } ?? "no rule decided: allowed"
            } else {
                verdict = report.deniedBy.map { "\($0) denies \(connection)" } ?? "no rule admits \(connection)"
            }
            let isolated = report.isolatedBy.isEmpty ? [] : ["isolated by \(report.isolatedBy.joined(separator: ", "))"]
            guard !report.clusterPolicies.isEmpty else { return "\(subject) is \(isolated.joined()); \(verdict)" }
            let tiers = report.clusterPolicies.map { "ClusterNetworkPolicies \($0)" }
            let passes = report.passedBy.map { "\($0) passes" }
            return "\(subject): " + (tiers + passes + isolated + [verdict]).joined(separator: "; ")
        }
    }
}
