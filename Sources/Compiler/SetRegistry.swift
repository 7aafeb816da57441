import ClusterModel
import IPAddressing
import Ruleset

/// The named sets rules refer to. Each set is keyed by what it means (a peer selector, an ipBlock, a
/// port list, a port name), so rules that mean the same share one set, and its name never depends on
/// which rule asked first.
struct SetRegistry {
    private(set) var sets: [String: NamedSet] = [:]

    /// Addresses of the pods a peer selects: one set per family.
    mutating func podPeerSet(scope: NamespaceScope, selector: LabelSelector, family: IPFamily,
                             index: inout ClusterIndex) -> String {
        let scopeText: String
        switch scope {
        case .named(let namespace): scopeText = "namespace \(namespace)"
        case .selected(let namespaceSelector): scopeText = "namespaces \(namespaceSelector)"
        }
        let meaning = "pods \(selector) in \(scopeText)"
        let name = "pods_\(StableName.hash(meaning))_\(family.rawValue)"
        guard sets[name] == nil else { return name }
        // Both families are filled at once, so each selector is evaluated once.
        let selected = index.pods(in: scope, matching: selector)
        for each in IPFamily.allCases {
            let addresses = selected.flatMap { index.pods[$0].addresses }.filter { $0.family == each }
            sets["pods_\(StableName.hash(meaning))_\(each.rawValue)"] = NamedSet(
                name: "pods_\(StableName.hash(meaning))_\(each.rawValue)", keyType: [addressType(each)],
                comment: nftComment(meaning),
                elements: Set(addresses).sorted().map { SetElement(key: [.address($0)]) })
        }
        return name
    }

    /// The addresses of an ipBlock (cidr minus except) as an interval set.
    mutating func ipBlockSet(_ block: IPBlock) -> String {
        let meaning = block.except.isEmpty ? "\(block.cidr)" : "\(block.cidr) except \(block.except.map(\.description).joined(separator: ","))"
        let name = "cidr_\(StableName.hash(meaning))_\(block.cidr.family.rawValue)"
        if sets[name] == nil {
            sets[name] = NamedSet(name: name, keyType: [addressType(block.cidr.family)], isInterval: true,
                                  comment: nftComment(meaning),
                                  elements: block.addresses.ranges.map { SetElement(key: [.address($0)]) })
        }
        return name
    }

    /// Several protocol and port-range pairs of one rule, matched with one look-up.
    mutating func portSet(_ entries: [(L4Protocol, ClosedRange<UInt16>)]) -> String {
        let sorted = entries.sorted { ($0.0, $0.1.lowerBound, $0.1.upperBound) < ($1.0, $1.1.lowerBound, $1.1.upperBound) }
        let meaning = sorted.map { "\($0.0.kubernetesName) \(portText($0.1))" }.joined(separator: ", ")
        let name = "ports_\(StableName.hash(meaning))"
        if sets[name] == nil {
            sets[name] = NamedSet(name: name, keyType: [.inetProtocol, .inetService], isInterval: true,
                                  comment: nftComment(meaning),
                                  elements: Array(Set(sorted.map { SetElement(key: [.l4Protocol($0.0), .ports($0.1)]) })).sorted())
        }
        return name
    }

    /// Every pod address with the port number its containerPort `portName` has, for one protocol.
    mutating func namedPortSet(name portName: String, proto: L4Protocol, family: IPFamily, index: ClusterIndex) -> String {
        let name = "named_\(proto.rawValue)_\(portName)_\(family.rawValue)"
        guard sets[name] == nil else { return name }
        for each in IPFamily.allCases {
            var elements: Set<SetElement> = []
            for position in index.podsByPortName[portName] ?? [] {
                let pod = index.pods[position]
                for named in pod.namedPorts where named.name == portName && named.proto == proto {
                    for address in pod.addresses where address.family == each {
                        elements.insert(SetElement(key: [.address(address), .port(named.port)]))
                    }
                }
            }
            let setName = "named_\(proto.rawValue)_\(portName)_\(each.rawValue)"
            sets[setName] = NamedSet(name: setName, keyType: [addressType(each), .inetService],
                                     comment: nftComment("pods with \(proto.kubernetesName) port named \(portName)"),
                                     elements: elements.sorted())
        }
        return name
    }

    private func addressType(_ family: IPFamily) -> DataType {
        family == .v4 ? .ipv4Address : .ipv6Address
    }
}

func portText(_ range: ClosedRange<UInt16>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
}
