import Foundation

/// The matrix as an aligned table (rows FROM, columns TO, as upstream's e2e truth tables: `.` allowed,
/// `X` denied), as JSON, or as a Graphviz graph.
public enum MatrixRendering {
    public static func text(_ matrix: ReachabilityMatrix) -> String {
        let rowWidth = matrix.pods.map(\.count).max() ?? 1
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = ["\(matrix.query.description) (IP\(matrix.query.family.rawValue)): rows FROM, columns TO; . allowed, X denied"]
        lines.append(([pad("-", rowWidth)] + matrix.pods).joined(separator: " "))
        for (index, pod) in matrix.pods.enumerated() {
            let cells = zip(matrix.pods, matrix.allowed[index]).map { column, allowed in pad(allowed ? "." : "X", column.count) }
            lines.append(([pad(pod, rowWidth)] + cells).joined(separator: " "))
        }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n") + "\n"
    }

    /// `{"pods": [...], "allowed": [[...]]}`, plus the query.
    public static func json(_ matrix: ReachabilityMatrix) throws -> String {
        struct Document: Encodable {
            var pods: [String]
            var allowed: [[Bool]]
            var `protocol`: String
            var port: UInt16
            var family: String
        }
        let document = Document(pods: matrix.pods, allowed: matrix.allowed, protocol: matrix.query.proto.kubernetesName,
                                port: matrix.query.port, family: matrix.query.family == .v4 ? "ipv4" : "ipv6")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// Pods clustered by namespace; an edge for each allowed pair that policy governs. Where every
    /// pair from one namespace to another (or within one) is allowed and governed, one edge joins the
    /// two clusters instead, so a large namespace stays readable.
    public static func dot(_ matrix: ReachabilityMatrix) -> String {
        let namespaces = Dictionary(grouping: matrix.pods.indices) { namespace(of: matrix.pods[$0]) }
        let names = namespaces.keys.sorted()
        var lines = ["digraph reachability {", "  compound=true;", "  rankdir=LR;",
                     "  label=\"\(matrix.query.description) (IP\(matrix.query.family.rawValue)): allowed connections that policy governs\";",
                     "  node [shape=box, style=rounded, fontsize=10];"]
        for (number, name) in names.enumerated() {
            lines.append("  subgraph cluster_\(number) {")
            lines.append("    label=\(quoted(name));")
            for index in namespaces[name]! { lines.append("    \(quoted(matrix.pods[index])) [label=\(quoted(podName(matrix.pods[index])))];") }
            lines.append("  }")
        }
        for (fromNumber, from) in names.enumerated() {
            for (toNumber, to) in names.enumerated() {
                let pairs = namespaces[from]!.flatMap { i in namespaces[to]!.filter { $0 != i }.map { (i, $0) } }
                let edges = pairs.filter { matrix.allowed[$0.0][$0.1] && matrix.governed[$0.0][$0.1] }
                if !edges.isEmpty && edges.count == pairs.count && pairs.count > 1 {
                    // One edge between the clusters, drawn from and to a representative pod.
                    let (i, j) = (namespaces[from]!.first!, namespaces[to]!.last!)
                    let label = fromNumber == toNumber ? "all pairs within" : "all pairs"
                    lines.append("  \(quoted(matrix.pods[i])) -> \(quoted(matrix.pods[j])) [ltail=cluster_\(fromNumber), lhead=cluster_\(toNumber), penwidth=2, label=\(quoted(label))];")
                } else {
                    lines += edges.map { "  \(quoted(matrix.pods[$0.0])) -> \(quoted(matrix.pods[$0.1]));" }
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func namespace(of pod: String) -> String { String(pod.split(separator: "/")[0]) }
    private static func podName(_ pod: String) -> String { String(pod.split(separator: "/")[1]) }
    private static func quoted(_ text: String) -> String { "\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\"" }
}
