import IPAddressing

extension ClusterNode {
    /// Its labels and every `status.addresses` entry that parses as an IP address, whatever its type
    /// (Hostname and DNS entries do not): the addresses a `nodes` peer matches (cnp.md reading §6.6).
    public init(validating object: NodeObject) throws(ValidationError) {
        let name = try object.metadata.reference(kind: "Node", namespaced: false).name
        let addresses = (object.status?.addresses ?? []).compactMap { $0.address.flatMap { IPAddress($0) } }
        self.init(name: name, labels: object.metadata.labels ?? [:], addresses: Array(Set(addresses)).sorted())
    }
}
