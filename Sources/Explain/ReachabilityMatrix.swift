import ClusterModel
import Compiler
import IPAddressing
import Ruleset

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
        // Pairs whose ends look alike to every table on their way get the same verdict: walk once per class.
        var profiles = AddressProfiles(query: query)
        var verdicts: [PairClass: Bool] = [:]
        var allowed: [[Bool]] = [], governed: [[Bool]] = []
        for (row, source) in ends.enumerated() {
            allowed.append(ends.map { destination in
                let (egress, ingress) = walks(from: source, to: destination)
                let pair = PairClass(egress: egress.map { profiles.classes(of: source, destination, in: $0) },
                                     ingress: ingress.map { profiles.classes(of: source, destination, in: $0) })
                if let known = verdicts[pair] { return known }
                let verdict = allows(from: source, to: destination, query)
                verdicts[pair] = verdict
                return verdict
            })
            governed.append(isolated.map { isolated[row].egress || $0.ingress })
        }
        return ReachabilityMatrix(pods: pods.map(\.qualifiedName), allowed: allowed, governed: governed, query: query)
    }
}

/// The walks a pair takes, each as (node, hook, class of the source, class of the destination).
private struct PairClass: Hashable {
    var egress: WalkClass?
    var ingress: WalkClass?
}

private struct WalkClass: Hashable {
    var node: String
    var hook: BaseChainHook.Hook
    var source: Int
    var destination: Int
}

/// Numbers the distinct address profiles of each node's table, for one query.
private struct AddressProfiles {
    let query: ConnectionQuery
    private var numbers: [String: [[Verdict?]: Int]] = [:]
    private var known: [String: [IPAddress: Int]] = [:]

    init(query: ConnectionQuery) { self.query = query }

    mutating func classes(of source: ClusterExplainer.Resolved, _ destination: ClusterExplainer.Resolved,
                          in walk: ClusterExplainer.Walk) -> WalkClass {
        WalkClass(node: walk.view.name, hook: walk.hook, source: number(source.address, walk.view),
                  destination: number(destination.address, walk.view))
    }

    private mutating func number(_ address: IPAddress, _ view: NodeView) -> Int {
        if let number = known[view.name]?[address] { return number }
        let profile = view.evaluator.addressProfile(address, l4Protocol: query.proto.number, port: query.port)
        let number = numbers[view.name]?[profile] ?? numbers[view.name, default: [:]].count
        numbers[view.name, default: [:]][profile] = number
        known[view.name, default: [:]][address] = number
        return number
    }
}
