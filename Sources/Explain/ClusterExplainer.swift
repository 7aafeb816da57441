import ClusterModel
import Compiler
import IPAddressing
import Ruleset

/// Answers "is this connection allowed, and why?" from the rulesets the nodes would run: the source
/// pod's node judges its egress (on the forward hook, or the input hook when the destination is that
/// node's own address), the destination pod's node its ingress; an address outside the cluster has no
/// node. Verdicts come from `RulesetEvaluator` walking the compiled tables, never from the policies.
public final class ClusterExplainer {
    let facts: ClusterFacts
    private let cluster: ClusterState
    private let options: CompilerOptions
    /// Each node is compiled once, when first needed.
    private var views: [String: NodeView] = [:]

    public init(_ cluster: ClusterState, options: CompilerOptions = CompilerOptions()) {
        self.cluster = cluster
        self.options = options
        facts = ClusterFacts(cluster)
    }

    /// One end resolved: its address for the query's family, and the pod holding it.
    struct Resolved {
        var address: IPAddress
        var pod: Pod?

        var node: String? { pod?.nodeName }
        var side: Explanation.Side { Explanation.Side(address: "\(address)", pod: pod?.qualifiedName, node: node) }
    }

    /// A walk the connection's first packet takes through one node's table.
    struct Walk {
        var view: NodeView
        var hook: BaseChainHook.Hook
    }

    func resolve(_ endpoint: Endpoint, family: IPFamily) throws -> Resolved {
        switch endpoint {
        case .address(let address):
            guard address.family == family else {
                throw ExplainError("\(address) is not an IP\(family.rawValue) address (--family \(family == .v4 ? "ipv4" : "ipv6"))")
            }
            return Resolved(address: address, pod: facts.pod(at: address))
        case .pod:
            guard let pod = facts.pod(named: endpoint.description) else { throw ExplainError("no pod \(endpoint)") }
            guard pod.isEnforceable else {
                throw ExplainError("pod \(endpoint) takes no part in policy (host network, finished, or no IP yet)")
            }
            guard let address = facts.address(of: pod, family: family) else {
                throw ExplainError("pod \(endpoint) has no IP\(family.rawValue) address of its own")
            }
            return Resolved(address: address, pod: pod)
        }
    }

    func view(of node: String) -> NodeView {
        if let known = views[node] { return known }
        let view = NodeView(name: node, cluster: cluster, options: options)
        views[node] = view
        return view
    }

    /// The walks that judge a connection: the source's node, then the destination's if it is another.
    func walks(from source: Resolved, to destination: Resolved) -> (egress: Walk?, ingress: Walk?) {
        let egress = source.node.map { node -> Walk in
            let view = view(of: node)
            return Walk(view: view, hook: view.hook(toward: destination.address))
        }
        // A pod's connection to its own node's address stops at that node: no pod's ingress judges it.
        if egress?.hook == .input { return (egress, nil) }
        let ingress = destination.node.map { node in
            node == source.node ? egress! : Walk(view: view(of: node), hook: .forward)
        }
        return (egress, ingress)
    }

    static func packet(_ source: Resolved, _ destination: Resolved, _ query: ConnectionQuery) -> Packet {
        Packet(source: source.address, destination: destination.address, l4Protocol: query.proto.number, destinationPort: query.port)
    }

    /// Whether the connection is allowed: every node on its way accepts its first packet.
    func allows(from source: Resolved, to destination: Resolved, _ query: ConnectionQuery) -> Bool {
        let packet = Self.packet(source, destination, query)
        let (egress, ingress) = walks(from: source, to: destination)
        for walk in [egress, ingress].compactMap({ $0 }) where walk.view.evaluator.verdict(for: packet, hook: walk.hook) != .accept {
            return false
        }
        return true
    }

    /// The verdict on one connection and why.
    public func explain(from: Endpoint, to: Endpoint, _ query: ConnectionQuery) throws -> Explanation {
        let source = try resolve(from, family: query.family)
        let destination = try resolve(to, family: query.family)
        let packet = Self.packet(source, destination, query)
        let (egressWalk, ingressWalk) = walks(from: source, to: destination)
        var traces: [String: EvaluationTrace] = [:]
        for walk in [egressWalk, ingressWalk].compactMap({ $0 }) where traces[walk.view.name] == nil {
            traces[walk.view.name] = walk.view.evaluator.trace(for: packet, hook: walk.hook)
        }
        func reading(_ walk: Walk) -> TraceReading {
            TraceReading(facts: facts, view: walk.view, packet: packet, source: source, destination: destination, query: query)
        }
        let egress = egressWalk.map { reading($0).report(.egress, trace: traces[$0.view.name]!, hook: $0.hook) }
            ?? DirectionReport(direction: "egress", pod: source.pod?.qualifiedName, status: .unjudged)
        let ingress = ingressWalk.map { reading($0).report(.ingress, trace: traces[$0.view.name]!, hook: $0.hook) }
            ?? DirectionReport(direction: "ingress", pod: destination.pod?.qualifiedName, status: .unjudged)
        return Explanation(allowed: traces.values.allSatisfy { $0.verdict == .accept },
                           from: source.side, to: destination.side, protocol: query.proto.kubernetesName, port: query.port,
                           family: query.family == .v4 ? "ipv4" : "ipv6", egress: egress, ingress: ingress)
    }
}
