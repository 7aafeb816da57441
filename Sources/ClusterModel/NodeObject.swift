/// The part of a core/v1 Node the agent reads: its pod CIDRs and addresses
/// (k8s.io/api/core/v1/types.go: NodeSpec.PodCIDR, PodCIDRs; NodeStatus.Addresses).
public struct NodeObject: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Hashable, Sendable {
        /// The first of `podCIDRs`; older servers set only this one.
        public var podCIDR: String?
        public var podCIDRs: [String]?

        public init(podCIDR: String? = nil, podCIDRs: [String]? = nil) {
            self.podCIDR = podCIDR
            self.podCIDRs = podCIDRs
        }
    }

    public struct Status: Codable, Hashable, Sendable {
        public var addresses: [Address]?

        public init(addresses: [Address]? = nil) { self.addresses = addresses }
    }

    /// `type` is InternalIP, ExternalIP, Hostname, InternalDNS or ExternalDNS.
    public struct Address: Codable, Hashable, Sendable {
        public var type: String?
        public var address: String?

        public init(type: String? = nil, address: String? = nil) {
            self.type = type
            self.address = address
        }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
