import IPAddressing

/// A Node as ClusterNetworkPolicy `nodes` peers see it: its labels and the IP addresses in its
/// `status.addresses` (every entry that parses as an IP address, whatever its type).
public struct ClusterNode: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]
    public var addresses: [IPAddress]

    public init(name: String, labels: [String: String] = [:], addresses: [IPAddress] = []) {
        self.name = name
        self.labels = labels
        self.addresses = addresses
    }

    public var reference: ObjectReference { ObjectReference(kind: "Node", namespace: nil, name: name) }
}
