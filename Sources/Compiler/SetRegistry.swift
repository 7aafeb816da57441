import ClusterModel
import HashTreeCollections
import IPAddressing
import Ruleset

/// The named sets rules refer to. Each set is keyed by what it means (a peer selector, an ipBlock, a
/// port list, a port name), so rules that mean the same share one set and its name never depends on
/// which rule asked first. Sets whose members are pods follow pod changes element by element.
struct SetRegistry {
    private(set) var sets: [String: NamedSet] = [:]
    /// The pod-derived sets, with what decides membership.
    private var podSets: [String: PodSetMeaning] = [:]
    /// What every set stands for, for explaining verdicts.
    private(set) var meanings: [String: SetMeaning] = [:]

    enum PodSetMeaning {
        case peers(scope: NamespaceScope, selector: LabelSelector, family: IPFamily)
        case namedPort(name: String, proto: L4Protocol, scope: NamedPortScope, family: IPFamily)
    }

    // MARK: - Creating sets

    /// Addresses of the pods a peer selects, one set per family.
    mutating func podPeerSet(scope: NamespaceScope, selector: LabelSelector, family: IPFamily, index: ClusterIndex) -> String {
        let scopeText: String
        switch scope {
        case .named(let namespace): scopeText = "namespace \(namespace)"
        case .selected(let namespaceSelector): scopeText = "namespaces \(namespaceSelector)"
        }
        let meaning = "pods \(selector) in \(scopeText)"
        // The name must tell every selector apart, and `description` writes both the empty selector and
        // `Exists` on a key named "all" as "all": the empty one is spelled "{}" for the name.
        let identity = { (selector: LabelSelector) in selector.selectsEverything ? "{}" : "\(selector)" }
        let scopeIdentity: String
        switch scope {
        case .named(let namespace): scopeIdentity = "namespace \(namespace)"
        case .selected(let namespaceSelector): scopeIdentity = "namespaces \(identity(namespaceSelector))"
        }
        let name = "pods_\(StableName.hash("pods \(identity(selector)) in \(scopeIdentity)"))_\(family.rawValue)"
        if sets[name] == nil {
            let pods = index.slots(in: scope, matching: selector).compactMap(index.pod(at:))
            let addresses = pods.flatMap(\.addresses).filter { $0.family == family }
            podSets[name] = .peers(scope: scope, selector: selector, family: family)
            meanings[name] = .pods(namespaces: scope, pods: selector)
            sets[name] = NamedSet(name: name, keyType: [family.addressType], comment: nftComment(meaning),
                                  elements: addresses.map { SetElement(key: [.address($0)]) })
        }
        return name
    }

    /// Pod addresses with the number their containerPort `portName` has, for one protocol. `scope`
    /// limits the pods: ingress rules resolve names only on the node's own pods.
    mutating func namedPortSet(name portName: String, proto: L4Protocol, family: IPFamily, scope: NamedPortScope,
                               index: ClusterIndex) -> String {
        let name = "named\(scope == .localPods ? "_local" : "")_\(proto.rawValue)_\(portName)_\(family.rawValue)"
        if sets[name] == nil {
            let candidates = scope == .localPods ? index.localSlots : index.slots(withPortName: portName)
            let meaning = PodSetMeaning.namedPort(name: portName, proto: proto, scope: scope, family: family)
            let entries = candidates.compactMap(index.pod(at:)).flatMap { meaning.entries(of: $0, index: index) }
            let whose = scope == .localPods ? "pods on this node" : "pods"
            podSets[name] = meaning
            meanings[name] = .namedPort(name: portName, proto: proto)
            sets[name] = NamedSet(name: name, keyType: [family.addressType, .inetService],
                                  comment: nftComment("\(whose) with \(proto.kubernetesName) port named \(portName)"),
                                  elements: entries.map { SetElement(key: [.address($0.0), .port($0.1)]) })
        }
        return name
    }

    /// The addresses of an ipBlock (cidr minus except) as an interval set.
    mutating func ipBlockSet(_ block: IPBlock) -> String {
        let excepts = block.except.map(\.description).joined(separator: ",")
        let meaning = block.except.isEmpty ? "\(block.cidr)" : "\(block.cidr) except \(excepts)"
        let name = "cidr_\(StableName.hash(meaning))_\(block.cidr.family.rawValue)"
        if sets[name] == nil {
            meanings[name] = .ipBlock(block)
            sets[name] = NamedSet(name: name, keyType: [block.cidr.family.addressType], isInterval: true,
                                  comment: nftComment(meaning),
                                  elements: block.addresses.ranges.map { SetElement(key: [.address($0)]) })
        }
        return name
    }

    /// Several protocol and port-range pairs of one rule, matched with one look-up.
    mutating func portSet(_ entries: [(L4Protocol, ClosedRange<UInt16>)]) -> String {
        let sorted = entries.sorted { ($0.0, $0.1.lowerBound, $0.1.upperBound) < ($1.0, $1.1.lowerBound, $1.1.upperBound) }
        // nftables rejects overlapping elements in an interval set ("File exists"): ranges of one
        // protocol that overlap or touch are merged first (TCP and TCP 80 is TCP 0-65535).
        var merged: [(L4Protocol, ClosedRange<UInt16>)] = []
        for entry in sorted {
            if let last = merged.last, last.0 == entry.0, Int(entry.1.lowerBound) <= Int(last.1.upperBound) + 1 {
                merged[merged.count - 1].1 = last.1.lowerBound...max(last.1.upperBound, entry.1.upperBound)
            } else {
                merged.append(entry)
            }
        }
        let meaning = merged.map { "\($0.0.kubernetesName) \(portText($0.1))" }.joined(separator: ", ")
        let name = "ports_\(StableName.hash(meaning))"
        if sets[name] == nil {
            meanings[name] = .ports(merged.map { ProtocolPorts(proto: $0.0, ports: $0.1) })
            sets[name] = NamedSet(name: name, keyType: [.inetProtocol, .inetService], isInterval: true,
                                  comment: nftComment(meaning),
                                  elements: merged.map { SetElement(key: [.l4Protocol($0.0), .ports($0.1)]) })
        }
        return name
    }

    // MARK: - Following the cluster

    /// Moves the elements of changed pods in every pod-derived set from what they were to what they
    /// are. Changes of one update come together: when an address passes from one pod to another, the
    /// element it contributes may stay, and applying the two halves separately would lose it.
    mutating func apply(_ changes: [ClusterIndex.PodChange], index: ClusterIndex) {
        guard !changes.isEmpty else { return }
        for (name, meaning) in podSets {
            let old = Set(changes.flatMap { change in change.before.map { meaning.elements(of: $0, index: index) } ?? [] })
            let new = Set(changes.flatMap { change in change.after.map { meaning.elements(of: $0, index: index) } ?? [] })
            guard old != new else { continue }
            for element in old.subtracting(new) { sets[name]!.elements.remove(element) }
            for element in new.subtracting(old) { sets[name]!.elements.insert(element) }
        }
    }

    /// Recomputes the sets that select namespaces by label, after a namespace changed.
    mutating func namespacesChanged(index: ClusterIndex) {
        for (name, meaning) in podSets {
            guard case .peers(let scope, let selector, _) = meaning, case .selected = scope else { continue }
            sets[name]!.elements = TreeSet(index.slots(in: scope, matching: selector).compactMap(index.pod(at:))
                .flatMap { meaning.elements(of: $0, index: index) })
        }
    }

    /// Forgets the sets no rule refers to, beyond the `spares` largest of them (the costliest to build
    /// again); returns the names forgotten.
    mutating func forgetUnused(keeping used: Set<String>, spares: Int) -> Set<String> {
        let unused = sets.values.filter { !used.contains($0.name) }
            .sorted { ($0.elements.count, $0.name) > ($1.elements.count, $1.name) }
        let forgotten = Set(unused.dropFirst(spares).map(\.name))
        for name in forgotten {
            sets[name] = nil
            podSets[name] = nil
            meanings[name] = nil
        }
        return forgotten
    }
}

extension SetRegistry.PodSetMeaning {
    /// (address, port) pairs a pod contributes; the port is 0 for peer sets.
    func entries(of pod: Pod, index: ClusterIndex) -> [(IPAddress, UInt16)] {
        switch self {
        case .peers(let scope, let selector, let family):
            guard index.selects(pod, scope: scope, selector: selector) else { return [] }
            return pod.addresses.filter { $0.family == family }.map { ($0, 0) }
        case .namedPort(let name, let proto, let scope, let family):
            guard scope == .allPods || pod.nodeName == index.node else { return [] }
            var entries: [(IPAddress, UInt16)] = []
            for named in pod.namedPorts where named.name == name && named.proto == proto {
                for address in pod.addresses where address.family == family && !entries.contains(where: { $0 == (address, named.port) }) {
                    entries.append((address, named.port))
                }
            }
            return entries
        }
    }

    func elements(of pod: Pod, index: ClusterIndex) -> [SetElement] {
        entries(of: pod, index: index).map { address, port in
            if case .peers = self { return SetElement(key: [.address(address)]) }
            return SetElement(key: [.address(address), .port(port)])
        }
    }
}

/// Which pods a named-port set lists.
enum NamedPortScope {
    /// Ingress: the name resolves on the receiving pod, which is always one of the node's own.
    case localPods
    /// Egress: the name resolves on the destination, anywhere in the cluster.
    case allPods
}

extension IPFamily {
    var addressType: DataType { self == .v4 ? .ipv4Address : .ipv6Address }
}

func portText(_ range: ClosedRange<UInt16>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
}
