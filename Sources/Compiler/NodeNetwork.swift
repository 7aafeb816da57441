import ClusterModel
import IPAddressing

/// This node's own network: its pod CIDRs (Node `spec.podCIDRs`, or `--pod-cidr` on bare metal) and
/// its own addresses (Node `status.addresses`). Strict mode drops traffic of addresses in the pod
/// CIDRs that no known pod holds; the node's own addresses are never such addresses.
public struct NodeNetwork: Hashable, Sendable {
    public var podCIDRs: [CIDR]
    public var addresses: [IPAddress]

    public init(podCIDRs: [CIDR] = [], addresses: [IPAddress] = []) {
        self.podCIDRs = podCIDRs
        self.addresses = addresses
    }

    /// The addresses of `family` in the pod CIDRs that are neither a known pod's nor the node's own.
    func unknownPodAddresses(_ family: IPFamily, knownPods: [IPAddress]) -> AddressRangeSet {
        var unknown = AddressRangeSet(podCIDRs.filter { $0.family == family }.map(\.range))
        for address in knownPods + addresses where address.family == family { unknown.remove(AddressRange(address)) }
        return unknown
    }
}

extension NodeNetwork {
    /// The node's pod CIDRs (`spec.podCIDRs`, else `spec.podCIDR`) and IP addresses (`status.addresses`
    /// of every type that holds one; Hostname and DNS names are skipped). An unreadable CIDR or IP
    /// rejects the whole object: the caller keeps the last valid one rather than a partial view.
    public init(validating node: NodeObject) throws(ValidationError) {
        let reference = ObjectReference(kind: "Node", namespace: nil, name: node.metadata.name ?? "")
        let written = node.spec?.podCIDRs ?? node.spec?.podCIDR.map { [$0] } ?? []
        let field = node.spec?.podCIDRs == nil ? "spec.podCIDR" : "spec.podCIDRs"
        var cidrs: [CIDR] = []
        for (position, text) in written.enumerated() {
            guard let cidr = CIDR(text) else {
                throw ValidationError(object: reference, field: node.spec?.podCIDRs == nil ? field : "\(field)[\(position)]",
                                      message: "invalid CIDR \"\(text)\"")
            }
            cidrs.append(cidr)
        }
        var addresses: [IPAddress] = []
        for (position, entry) in (node.status?.addresses ?? []).enumerated() where entry.type?.hasSuffix("IP") ?? false {
            guard let address = entry.address.flatMap({ IPAddress($0) }) else {
                throw ValidationError(object: reference, field: "status.addresses[\(position)].address",
                                      message: "invalid \(entry.type ?? "") \"\(entry.address ?? "")\"")
            }
            addresses.append(address)
        }
        self.init(podCIDRs: cidrs, addresses: addresses)
    }
}
