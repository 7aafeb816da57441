/// Address family of a probe or an address. Named `LabFamily` (not `IPFamily`) so that
/// files importing both this library and the agent's `IPAddressing` stay unambiguous;
/// the raw values match, so `LabFamily(rawValue: family.rawValue)` converts.
public enum LabFamily: String, Hashable, Sendable, CaseIterable {
    case v4, v6
}

/// How a node joins its pods.
public enum LabTopology: String, Hashable, Sendable, CaseIterable {
    /// One veth per pod, routed by the node (Calico-like): pod traffic always crosses IP forwarding.
    case routed
    /// All the node's pods on one Linux bridge `cni0` that holds the node's gateway addresses, as flannel
    /// and the bridge CNI plugin do: pods of one node reach each other through the bridge, switched, and
    /// other nodes' pods through the gateway, routed.
    case bridged
}

/// Transport used by a probe.
public enum ProbeProtocol: String, Hashable, Sendable, CaseIterable {
    case tcp, udp, sctp
}

/// A pod to create: `name` is "namespace/name" (e.g. "x/a"); `node` is 1-based. A `hostNetwork` pod
/// has no namespace of its own: its servers listen in its node's namespace, on the node's addresses
/// (at most one per node, as their ports would clash).
public struct LabPodSpec: Hashable, Sendable {
    public var name: String
    public var node: Int
    public var hostNetwork: Bool

    public init(name: String, node: Int, hostNetwork: Bool = false) {
        self.name = name
        self.node = node
        self.hostNetwork = hostNetwork
    }
}

/// One connectivity check from pod `from` (or `Lab.externalClient`) to pod `to` ("namespace/name"),
/// addressed as `route` says.
public struct Probe: Hashable, Sendable, CustomStringConvertible {
    public var from: String
    public var to: String
    public var port: UInt16
    public var proto: ProbeProtocol
    public var family: LabFamily
    public var route: ProbeRoute

    public init(from: String, to: String, port: UInt16, proto: ProbeProtocol, family: LabFamily, route: ProbeRoute = .podIP) {
        self.from = from
        self.to = to
        self.port = port
        self.proto = proto
        self.family = family
        self.route = route
    }

    public var description: String {
        "\(from) -> \(to):\(port)/\(proto.rawValue)/\(family.rawValue)" + (route == .podIP ? "" : " via \(route)")
    }
}

/// How a probe addresses its destination pod. Service routes need a lab built with `services: true`.
public enum ProbeRoute: Hashable, Sendable, CustomStringConvertible {
    /// The pod's own address.
    case podIP
    /// The ClusterIP of the pod's Service (one Service per pod, the pod its only backend).
    case clusterIP
    /// A NodePort of the pod's Service on node `node`'s address; only port 80, TCP or UDP.
    case nodePort(node: Int, policy: ExternalTrafficPolicy)

    public var description: String {
        switch self {
        case .podIP: "pod IP"
        case .clusterIP: "ClusterIP"
        case .nodePort(let node, let policy): "NodePort on node-\(node), externalTrafficPolicy \(policy.rawValue)"
        }
    }
}

/// A Service's `externalTrafficPolicy`: Cluster masquerades to the receiving node's address and may
/// forward to another node; Local keeps the client's address and only serves from the receiving node.
public enum ExternalTrafficPolicy: String, Hashable, Sendable, CaseIterable {
    case cluster = "Cluster", local = "Local"
}

/// Outcome of a command run inside a lab namespace.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}
