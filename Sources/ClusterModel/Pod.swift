import IPAddressing

/// The slim pod the compiler (and, later, the watch cache) keeps: only what enforcement reads.
///
/// A value stored behind one reference (copy on write, as `NamedSet`): a pod passes from the reader
/// through validation, the cache, the drained changes and the compiler's index, so a copy is one
/// retain instead of one per field, and the cache and the index share one copy of each pod.
public struct Pod: Hashable, Sendable {
    private var storage: Storage

    public var namespace: String {
        get { storage.fields.namespace }
        set { unique().fields.namespace = newValue }
    }
    public var name: String {
        get { storage.fields.name }
        set { unique().fields.name = newValue }
    }
    public var labels: [String: String] {
        get { storage.fields.labels }
        set { unique().fields.labels = newValue }
    }
    public var nodeName: String? {
        get { storage.fields.nodeName }
        set { unique().fields.nodeName = newValue }
    }
    public var hostNetwork: Bool {
        get { storage.fields.hostNetwork }
        set { unique().fields.hostNetwork = newValue }
    }
    public var phase: Phase {
        get { storage.fields.phase }
        set { unique().fields.phase = newValue }
    }
    /// At most one address per family, from status.podIPs (or status.podIP).
    public var addresses: [IPAddress] {
        get { storage.fields.addresses }
        set { unique().fields.addresses = newValue }
    }
    public var namedPorts: [NamedPort] {
        get { storage.fields.namedPorts }
        set { unique().fields.namedPorts = newValue }
    }
    /// RFC 3339 text; compares in time order. Decides which pod owns a reused IP.
    public var creationTimestamp: String {
        get { storage.fields.creationTimestamp }
        set { unique().fields.creationTimestamp = newValue }
    }
    /// Only part of the API object could be read: this is the stand-in of `init(failingClosed:)`.
    public var isPartial: Bool {
        get { storage.fields.isPartial }
        set { unique().fields.isPartial = newValue }
    }

    public enum Phase: String, Hashable, Sendable {
        case pending = "Pending", running = "Running", succeeded = "Succeeded", failed = "Failed", unknown = "Unknown"
    }

    public init(namespace: String, name: String, labels: [String: String] = [:], nodeName: String? = nil,
                hostNetwork: Bool = false, phase: Phase = .running, addresses: [IPAddress] = [],
                namedPorts: [NamedPort] = [], creationTimestamp: String = "") {
        storage = Storage(Fields(namespace: namespace, name: name, labels: labels, nodeName: nodeName, hostNetwork: hostNetwork,
                                 phase: phase, addresses: addresses, namedPorts: namedPorts, creationTimestamp: creationTimestamp))
    }

    public static func == (lhs: Pod, rhs: Pod) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.fields) }

    public var reference: ObjectReference { ObjectReference(kind: "Pod", namespace: namespace, name: name) }

    /// Whether the pod takes part in policy at all, as target or peer. Finished pods have released
    /// their IP (often reused at once), hostNetwork pods share the node's IP, and a pod without an IP
    /// cannot be matched.
    public var isEnforceable: Bool {
        phase != .succeeded && phase != .failed && !hostNetwork && !addresses.isEmpty
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
        return storage
    }

    private struct Fields: Hashable {
        var namespace: String
        var name: String
        var labels: [String: String]
        var nodeName: String?
        var hostNetwork: Bool
        var phase: Phase
        var addresses: [IPAddress]
        var namedPorts: [NamedPort]
        var creationTimestamp: String
        var isPartial = false
    }

    /// Mutated only while uniquely referenced (`unique()`), so a shared one never changes: safe to send.
    private final class Storage: @unchecked Sendable {
        var fields: Fields

        init(_ fields: Fields) { self.fields = fields }
    }
}

/// A containerPort with a name, which policies may refer to instead of a number.
public struct NamedPort: Hashable, Sendable, Comparable {
    public var name: String
    public var proto: L4Protocol
    public var port: UInt16

    public init(name: String, proto: L4Protocol, port: UInt16) {
        self.name = name
        self.proto = proto
        self.port = port
    }

    public static func < (lhs: NamedPort, rhs: NamedPort) -> Bool {
        (lhs.name, lhs.proto, lhs.port) < (rhs.name, rhs.proto, rhs.port)
    }
}

extension Pod {
    public init(validating object: PodObject) throws(ValidationError) {
        let reference = try object.metadata.reference(kind: "Pod", namespaced: true)
        let (namespace, name) = (reference.namespace!, reference.name)
        let checker = FieldChecker(object: reference)
        let status = object.status
        // The API server does not validate status.phase (ValidatePodStatusUpdate,
        // pkg/apis/core/validation/validation.go), and only Succeeded and Failed are terminal
        // (IsPodPhaseTerminal, pkg/api/v1/pod/util.go): a phase this agent does not know is enforced as Unknown.
        let phase = status?.phase.map { Phase(rawValue: $0) ?? .unknown } ?? .pending
        self.init(namespace: namespace, name: name, labels: object.metadata.labels ?? [:],
                  nodeName: object.spec?.nodeName, hostNetwork: object.spec?.hostNetwork ?? false, phase: phase,
                  addresses: try Pod.addresses(of: status, checker: checker),
                  namedPorts: try Pod.namedPorts(of: object.spec, checker: checker),
                  creationTimestamp: object.metadata.creationTimestamp ?? "")
    }

    /// Field names are spelled out only for an error: a pod that validates builds no strings.
    static func addresses(of status: PodObject.Status?, checker: FieldChecker) throws(ValidationError) -> [IPAddress] {
        var addresses: [IPAddress] = []
        if let podIPs = status?.podIPs, !podIPs.isEmpty {
            // Every entry must be set before any is parsed (a missing one is reported first).
            if let missing = podIPs.firstIndex(where: { $0.ip == nil }) {
                throw checker.error("status.podIPs[\(missing)].ip", "must be set")
            }
            addresses.reserveCapacity(podIPs.count)
            for (index, entry) in podIPs.enumerated() {
                try append(entry.ip!, to: &addresses, checker: checker) { "status.podIPs[\(index)].ip" }
            }
        } else if let text = status?.podIP, !text.isEmpty {
            try append(text, to: &addresses, checker: checker) { "status.podIP" }
        }
        return addresses
    }

    private static func append(_ text: String, to addresses: inout [IPAddress], checker: FieldChecker,
                               field: () -> String) throws(ValidationError) {
        guard let address = IPAddress(text) else { throw checker.error(field(), "invalid IP address \"\(text)\"") }
        guard !addresses.contains(where: { $0.family == address.family }) else {
            throw checker.error(field(), "more than one IP\(address.family) address")
        }
        addresses.append(address)
    }

    private static func namedPorts(of spec: PodObject.Spec?, checker: FieldChecker) throws(ValidationError) -> [NamedPort] {
        var ports: [NamedPort] = []
        try collectPorts(of: spec?.containers, group: "spec.containers", sidecarsOnly: false, into: &ports, checker: checker)
        try collectPorts(of: spec?.initContainers, group: "spec.initContainers", sidecarsOnly: true, into: &ports, checker: checker)
        return ports.count > 1 ? ports.sorted() : ports
    }

    /// `sidecarsOnly`: only init containers with restartPolicy Always count, and a message gives a
    /// container's index among those.
    private static func collectPorts(of containers: [PodObject.Container]?, group: String, sidecarsOnly: Bool,
                                     into ports: inout [NamedPort], checker: FieldChecker) throws(ValidationError) {
        var containerIndex = 0
        for container in containers ?? [] where !sidecarsOnly || container.restartPolicy == "Always" {
            defer { containerIndex += 1 }
            for (portIndex, port) in (container.ports ?? []).enumerated() {
                func field() -> String { "\(group)[\(containerIndex)].ports[\(portIndex)]" }
                guard let number = port.containerPort, (1...65535).contains(number) else {
                    throw checker.error("\(field()).containerPort", "must be between 1 and 65535")
                }
                // SetDefaults_ContainerPort (pkg/apis/core/v1/defaults.go) turns "" into TCP too.
                let proto = port.protocol.flatMap { $0.isEmpty ? nil : $0 } ?? "TCP"
                guard let l4 = L4Protocol(kubernetesName: proto) else {
                    throw checker.error("\(field()).protocol", "unknown protocol \"\(proto)\"; expected TCP, UDP or SCTP")
                }
                if let name = port.name, !name.isEmpty {
                    ports.append(NamedPort(name: name, proto: l4, port: UInt16(number)))
                }
            }
        }
    }
}
