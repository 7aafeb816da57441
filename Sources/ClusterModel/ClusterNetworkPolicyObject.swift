/// The wire shape of a policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy
/// (kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go). Every field is
/// optional here so that validation, not decoding, names what is missing; `domainNames` is declared
/// only so that the rule using it can fail closed by name.
public struct ClusterNetworkPolicyObject: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta
    public var spec: Spec?

    public struct Spec: Codable, Hashable, Sendable {
        public var tier: String?
        public var priority: Int?
        public var subject: Subject?
        public var ingress: [Rule]?
        public var egress: [Rule]?
    }

    /// Exactly one field.
    public struct Subject: Codable, Hashable, Sendable {
        public var namespaces: LabelSelectorObject?
        public var pods: NamespacedPod?
    }

    public struct NamespacedPod: Codable, Hashable, Sendable {
        public var namespaceSelector: LabelSelectorObject?
        public var podSelector: LabelSelectorObject?
    }

    /// An ingress rule (peers in `from`) or an egress rule (peers in `to`).
    public struct Rule: Codable, Hashable, Sendable {
        public var name: String?
        public var action: String?
        public var from: [Peer]?
        public var to: [Peer]?
        public var protocols: [ProtocolEntry]?
    }

    /// Exactly one field; ingress peers have only `namespaces` and `pods`.
    public struct Peer: Codable, Hashable, Sendable {
        public var namespaces: LabelSelectorObject?
        public var pods: NamespacedPod?
        public var networks: [String]?
        public var nodes: LabelSelectorObject?
        public var domainNames: [String]?
    }

    /// Exactly one field.
    public struct ProtocolEntry: Codable, Hashable, Sendable {
        public var tcp: PortProtocol?
        public var udp: PortProtocol?
        public var sctp: PortProtocol?
        public var destinationNamedPort: String?
    }

    public struct PortProtocol: Codable, Hashable, Sendable {
        public var destinationPort: DestinationPort?
    }

    /// Exactly one of `number` and `range`.
    public struct DestinationPort: Codable, Hashable, Sendable {
        public var number: Int?
        public var range: PortRange?
    }

    public struct PortRange: Codable, Hashable, Sendable {
        public var start: Int?
        public var end: Int?
    }
}
