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
        let subject = "\(report.direction) of \(side.label)\(report.node.map { " (\($0))" } ?? "")"
        let isolated = "is isolated by \(report.isolatedBy.joined(separator: ", "))"
        let peer = report.direction == "egress" ? explanation.to.label : explanation.from.label
        switch report.status {
        case .unjudged:
            return "\(report.direction) of \(side.label): not judged (\(side.pod == nil ? "outside the cluster" : "on no node"))"
        case .notIsolated: return "\(subject): not isolated, allowed"
        case .notReached: return "\(subject): not reached (denied before)"
        case .allowed:
            return "\(subject) \(isolated); \(report.allowedBy.map { "\($0) admits" } ?? "admitted") \(peer):\(explanation.protocol)/\(explanation.port)"
        case .denied:
            return "\(subject) \(isolated); no rule admits \(peer):\(explanation.protocol)/\(explanation.port)"
        }
    }
}
