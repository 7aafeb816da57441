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

    /// Pod addresses with the number their containerPort `portName` has, for one protocol. `scope`
    /// limits the pods: ingress rules resolve names only on the node's own pods.
    mutating func namedPortSet(name portName: String, proto: L4Protocol, family: IPFamily, scope: NamedPortScope,
                               index: ClusterIndex) -> String {
        let prefix = "named\(scope == .localPods ? "_local" : "")_\(proto.rawValue)_\(portName)"
        guard sets["\(prefix)_\(family.rawValue)"] == nil else { return "\(prefix)_\(family.rawValue)" }
        var entries: [(IPAddress, UInt16)] = []
        for position in index.podsByPortName[portName] ?? [] where scope == .allPods || index.isLocal(position) {
            let pod = index.pods[position]
            for named in pod.namedPorts where named.name == portName && named.proto == proto {
                entries += pod.addresses.map { ($0, named.port) }
            }
        }
        // Sorting plain tuples first is far cheaper than hashing and sorting element arrays.
        entries.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let whose = scope == .localPods ? "pods on this node" : "pods"
        for each in IPFamily.allCases {
            var elements: [SetElement] = []
            var previous: (IPAddress, UInt16)?
            for entry in entries where entry.0.family == each && !(previous.map { $0 == entry } ?? false) {
                elements.append(SetElement(key: [.address(entry.0), .port(entry.1)]))
                previous = entry
            }
            let setName = "\(prefix)_\(each.rawValue)"
            sets[setName] = NamedSet(name: setName, keyType: [addressType(each), .inetService],
                                     comment: nftComment("\(whose) with \(proto.kubernetesName) port named \(portName)"),
                                     elements: elements)
        }
        return "\(prefix)_\(family.rawValue)"
    }

    private func addressType(_ family: IPFamily) -> DataType {
        family == .v4 ? .ipv4Address : .ipv6Address
    }
}

/// Which pods a named-port set lists.
enum NamedPortScope {
    /// Ingress: the name resolves on the receiving pod, which is always one of the node's own.
    case localPods
    /// Egress: the name resolves on the destination, anywhere in the cluster.
    case allPods
}

func portText(_ range: ClosedRange<UInt16>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
}
