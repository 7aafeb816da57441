import ClusterModel
import Compiler
import IPAddressing

/// The verdict on every ordered pair of pods taking part in policy, for one protocol and port.
public struct ReachabilityMatrix: Sendable {
    /// `namespace/name`, sorted.
    public var pods: [String]
    /// `allowed[i][j]`: from `pods[i]` to `pods[j]`.
    public var allowed: [[Bool]]
    /// `governed[i][j]`: policy judges the pair (the source is isolated for egress or the destination for ingress).
    public var governed: [[Bool]]
    public var query: ConnectionQuery
}

extension ClusterExplainer {
    /// All pods that take part in policy with an address of the query's family, or those of `namespaces`.
    public func matrix(_ query: ConnectionQuery, namespaces: [String] = []) -> ReachabilityMatrix {
        let pods = facts.enforceablePods.filter { pod in
            (namespaces.isEmpty || namespaces.contains(pod.namespace)) && facts.address(of: pod, family: query.family) != nil
        }
        let ends = pods.map { pod in Resolved(address: facts.address(of: pod, family: query.family)!, pod: pod) }
        let isolated = ends.map { end -> (egress: Bool, ingress: Bool) in
            guard let node = end.node else { return (false, false) }
            let view = view(of: node)
            return (view.isolated[.egress]?.contains(end.address) ?? false, view.isolated[.ingress]?.contains(end.address) ?? false)
        }
        var allowed: [[Bool]] = [], governed: [[Bool]] = []
        for (row, source) in ends.enumerated() {
            allowed.append(ends.map { allows(from: source, to: $0, query) })
            governed.append(isolated.map { isolated[row].egress || $0.ingress })
        }
        return ReachabilityMatrix(pods: pods.map(\.qualifiedName), allowed: allowed, governed: governed, query: query)
    }
}
