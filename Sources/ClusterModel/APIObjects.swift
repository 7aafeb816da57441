/// The wire shape of the Kubernetes objects the agent reads, decoded from JSON or YAML. Only the
/// fields that enforcement needs are declared; everything else is ignored by the decoder.
/// Optionals keep "absent" apart from "empty", which NetworkPolicy semantics depend on.

/// Only what enforcement and the watch read: a uid or deletionTimestamp would be one more string
/// decoded per object of a sync, and nothing reads them.
public struct ObjectMeta: Codable, Hashable, Sendable {
    public var name: String?
    public var namespace: String?
    public var labels: [String: String]?
    /// Decides which pod owns a reused IP.
    public var creationTimestamp: String?
    /// Where a watch resumes.
    public var resourceVersion: String?

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
    }
}

public struct NamespaceObject: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}

public struct PodObject: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public struct Spec: Codable, Hashable, Sendable {
        public var nodeName: String?
        public var hostNetwork: Bool?
        public var containers: [Container]?
        /// Sidecars (init containers with restartPolicy Always) serve ports for the pod's lifetime.
        public var initContainers: [Container]?

        public init(nodeName: String? = nil, hostNetwork: Bool? = nil, containers: [Container]? = nil) {
            self.nodeName = nodeName
            self.hostNetwork = hostNetwork
            self.containers = containers
        }
    }

    public struct Container: Codable, Hashable, Sendable {
        public var name: String?
        public var restartPolicy: String?
        public var ports: [ContainerPort]?

        public init(name: String? = nil, ports: [ContainerPort]? = nil) {
            self.name = name
            self.ports = ports
        }
    }

    public struct ContainerPort: Codable, Hashable, Sendable {
        public var name: String?
        public var containerPort: Int?
        public var `protocol`: String?

        public init(name: String? = nil, containerPort: Int?, protocol: String? = nil) {
            self.name = name
            self.containerPort = containerPort
            self.protocol = `protocol`
        }
    }

    public struct Status: Codable, Hashable, Sendable {
        public var phase: String?
        public var podIP: String?
        public var podIPs: [PodIP]?

        public init(phase: String? = nil, podIP: String? = nil, podIPs: [PodIP]? = nil) {
            self.phase = phase
            self.podIP = podIP
            self.podIPs = podIPs
        }
    }

    public struct PodIP: Codable, Hashable, Sendable {
        public var ip: String?

        public init(ip: String?) { self.ip = ip }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public struct NetworkPolicyObject: Codable, Hashable, Sendable {
    public var metadata: ObjectMeta
    public var spec: Spec?

    public struct Spec: Codable, Hashable, Sendable {
        public var podSelector: LabelSelectorObject?
        public var policyTypes: [String]?
        public var ingress: [IngressRule]?
        public var egress: [EgressRule]?
    }

    public struct IngressRule: Codable, Hashable, Sendable {
        public var from: [Peer]?
        public var ports: [Port]?
    }

    public struct EgressRule: Codable, Hashable, Sendable {
        public var to: [Peer]?
        public var ports: [Port]?
    }

    public struct Peer: Codable, Hashable, Sendable {
        public var podSelector: LabelSelectorObject?
        public var namespaceSelector: LabelSelectorObject?
        public var ipBlock: IPBlock?
    }

    public struct IPBlock: Codable, Hashable, Sendable {
        public var cidr: String?
        public var except: [String]?
    }

    public struct Port: Codable, Hashable, Sendable {
        public var `protocol`: String?
        public var port: IntOrString?
        public var endPort: Int?
    }
}

public struct LabelSelectorObject: Codable, Hashable, Sendable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [Requirement]?

    public struct Requirement: Codable, Hashable, Sendable {
        public var key: String?
        public var `operator`: String?
        public var values: [String]?
    }
}

/// Kubernetes' intstr.IntOrString: a port number or a port name.
public enum IntOrString: Codable, Hashable, Sendable {
    case int(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .int(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        }
    }
}
