import ClusterModel
import IPAddressing

/// One end of a connection to explain: a pod by name, or any address (outside the cluster too).
public enum Endpoint: Hashable, Sendable, CustomStringConvertible {
    case pod(namespace: String, name: String)
    case address(IPAddress)

    /// `NAMESPACE/POD` or an IP address.
    public init?(_ text: String) {
        if let address = IPAddress(text) {
            self = .address(address)
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self = .pod(namespace: String(parts[0]), name: String(parts[1]))
    }

    public var description: String {
        switch self {
        case .pod(let namespace, let name): return "\(namespace)/\(name)"
        case .address(let address): return "\(address)"
        }
    }
}

/// The connection asked about: the first packet of a new connection.
public struct ConnectionQuery: Hashable, Sendable {
    public var proto: L4Protocol
    public var port: UInt16
    public var family: IPFamily

    public init(proto: L4Protocol = .tcp, port: UInt16, family: IPFamily = .v4) {
        self.proto = proto
        self.port = port
        self.family = family
    }

    /// `TCP/80`.
    public var description: String { "\(proto.kubernetesName)/\(port)" }
}

public struct ExplainError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
