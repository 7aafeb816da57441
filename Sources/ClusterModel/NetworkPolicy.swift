import IPAddressing

/// A validated networking.k8s.io/v1 NetworkPolicy, with API defaults applied and "empty" and
/// "absent" already turned into what they mean.
public struct NetworkPolicy: Hashable, Sendable {
    public var namespace: String
    public var name: String
    public var podSelector: LabelSelector
    /// Pods selected are isolated for ingress; `ingress` lists what is then allowed in.
    public var isolatesIngress: Bool
    public var isolatesEgress: Bool
    public var ingress: [PolicyRule]
    public var egress: [PolicyRule]
    /// Set on the stand-in for a policy the agent cannot read: why ("field: problem"). The stand-in
    /// isolates and allows nothing (see `init(failingClosed:metadata:reason:)`).
    public var unreadable: String?

    public init(namespace: String, name: String, podSelector: LabelSelector = .everything, isolatesIngress: Bool,
                isolatesEgress: Bool, ingress: [PolicyRule] = [], egress: [PolicyRule] = [], unreadable: String? = nil) {
        self.namespace = namespace
        self.name = name
        self.podSelector = podSelector
        self.isolatesIngress = isolatesIngress
        self.isolatesEgress = isolatesEgress
        self.ingress = ingress
        self.egress = egress
        self.unreadable = unreadable
    }

    public var reference: ObjectReference { ObjectReference(kind: "NetworkPolicy", namespace: namespace, name: name) }
}

/// One ingress or egress rule: traffic matches when it matches one of the peers and one of the ports.
public struct PolicyRule: Hashable, Sendable {
    /// nil: every peer (the field was absent or empty), including addresses outside the cluster.
    public var peers: [Peer]?
    /// nil: every port and protocol.
    public var ports: [PolicyPort]?

    public init(peers: [Peer]? = nil, ports: [PolicyPort]? = nil) {
        self.peers = peers
        self.ports = ports
    }
}

public enum Peer: Hashable, Sendable {
    /// Pods matching `pods` in the namespaces of `namespaces`.
    case pods(namespaces: NamespaceScope, pods: LabelSelector)
    case ipBlock(IPBlock)
}

public enum NamespaceScope: Hashable, Sendable, Comparable {
    /// No namespaceSelector: the policy's own namespace.
    case named(String)
    case selected(LabelSelector)
}

public struct IPBlock: Hashable, Sendable {
    public var cidr: CIDR
    public var except: [CIDR]

    public init(cidr: CIDR, except: [CIDR] = []) {
        self.cidr = cidr
        self.except = except
    }

    /// The addresses the block matches: the CIDR minus its exceptions.
    public var addresses: AddressRangeSet {
        var set = AddressRangeSet([cidr.range])
        for cut in except { set.remove(cut.range) }
        return set
    }
}

public struct PolicyPort: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        case all
        case numbers(ClosedRange<UInt16>)
        /// A containerPort name, resolved against the pod that receives the traffic.
        case named(String)
    }

    public var proto: L4Protocol
    public var target: Target

    public init(proto: L4Protocol, target: Target) {
        self.proto = proto
        self.target = target
    }
}
