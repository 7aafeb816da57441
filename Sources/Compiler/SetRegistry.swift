import ClusterModel
import HashTreeCollections
import IPAddressing
import Ruleset

/// The named sets rules refer to. Each set is keyed by what it means (a peer selector, an ipBlock, a
/// port list, a port name, a node selector), so rules that mean the same share one set and its name
/// never depends on which rule asked first. Sets whose members are pods follow pod changes element by
/// element, and sets of Node addresses follow Node changes.
struct SetRegistry {
    private(set) var sets = TrackedSets()
    /// The pod-derived sets, with what decides membership.
    private var podSets: [String: PodSetMeaning] = [:]
    /// Some set's elements follow pods.
    var listsPods: Bool { !podSets.isEmpty }
    /// The pod-derived sets of peers in one named namespace, by that namespace: only its own pods can
    /// be members, so a pod change looks at these and at `podSetsOfAnyNamespace`, not at every set.
    private var podSetsByNamespace: [String: Set<String>] = [:]
    /// The other pod-derived sets (peers of namespaces selected by label, named ports).
    private var podSetsOfAnyNamespace: Set<String> = []
    /// Pod-derived sets declared whose elements `fillDeclared` has not computed yet.
    private var unfilled: [String] = []
    /// The Node-derived sets (ClusterNetworkPolicy `nodes` peers), with what decides membership.
    private var nodeSets: [String: NodeSetMeaning] = [:]
    /// What every set stands for, for explaining verdicts.
    private(set) var meanings: [String: SetMeaning] = [:]

    enum PodSetMeaning {
        case peers(scope: NamespaceScope, selector: LabelSelector, family: IPFamily)
        /// `proto` nil: the named containerPort with whatever protocol it has (ClusterNetworkPolicy), and
        /// the protocol is part of the key.
        case namedPort(name: String, proto: L4Protocol?, scope: NamedPortScope, family: IPFamily)
    }

    struct NodeSetMeaning {
        var selector: LabelSelector
        var family: IPFamily

        func elements(of node: ClusterNode) -> [SetElement] {
            guard selector.matches(node.labels) else { return [] }
            return node.addresses.filter { $0.family == family }.map { SetElement(key: SetKey(.address($0))) }
        }
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
            declare(NamedSet(name: name, keyType: [family.addressType], comment: nftComment(meaning)),
                    members: .peers(scope: scope, selector: selector, family: family))
            meanings[name] = .pods(namespaces: scope, pods: selector)
        }
        return name
    }

    /// Pod addresses with the number their containerPort `portName` has, for one protocol, or (`proto`
    /// nil) with each such port's own protocol and number. `scope` limits the pods: ingress rules resolve
    /// names only on the node's own pods.
    mutating func namedPortSet(name portName: String, proto: L4Protocol?, family: IPFamily, scope: NamedPortScope,
                               index: ClusterIndex) -> String {
        let name = "named\(scope == .localPods ? "_local" : "")_\(proto?.rawValue ?? "any")_\(portName)_\(family.rawValue)"
        if sets[name] == nil {
            let whose = scope == .localPods ? "pods on this node" : "pods"
            declare(NamedSet(name: name, keyType: [family.addressType] + (proto == nil ? [.inetProtocol] : []) + [.inetService],
                             comment: nftComment("\(whose) with \(proto?.kubernetesName ?? "a") port named \(portName)")),
                    members: .namedPort(name: portName, proto: proto, scope: scope, family: family))
            meanings[name] = .namedPort(name: portName, proto: proto)
        }
        return name
    }

    /// A pod-derived set, empty until `fillDeclared` computes its elements.
    private mutating func declare(_ set: NamedSet, members: PodSetMeaning) {
        sets[set.name] = set
        podSets[set.name] = members
        if let namespace = members.namespace {
            podSetsByNamespace[namespace, default: []].insert(set.name)
        } else {
            podSetsOfAnyNamespace.insert(set.name)
        }
        unfilled.append(set.name)
    }

    /// Computes the elements of the pod-derived sets declared since the last call, one set per core at
    /// a time: a first compile declares a few dozen sets of hundreds of thousands of elements in all.
    /// Each set's elements depend only on the index, so the result does not depend on the threads. The
    /// few sets a local pod's new group declares are filled on this thread.
    mutating func fillDeclared(index: ClusterIndex) {
        guard !unfilled.isEmpty else { return }
        let names = unfilled
        unfilled = []
        let members = names.map { podSets[$0]! }
        let elements = ParallelMap.map(members, threshold: 16) { $0.members(index: index) }
        for (name, elements) in zip(names, elements) { sets[name]!.elements = elements }
    }

    /// Every address of `family` in the `status.addresses` of the Nodes `selector` matches.
    mutating func nodePeerSet(selector: LabelSelector, family: IPFamily, nodes: [String: ClusterNode]) -> String {
        let identity = selector.selectsEverything ? "{}" : "\(selector)"
        let name = "nodes_\(StableName.hash(identity))_\(family.rawValue)"
        if sets[name] == nil {
            let meaning = NodeSetMeaning(selector: selector, family: family)
            nodeSets[name] = meaning
            meanings[name] = .nodes(selector)
            sets[name] = NamedSet(name: name, keyType: [family.addressType], comment: nftComment("addresses of nodes \(selector)"),
                                  elements: nodes.values.flatMap(meaning.elements(of:)))
        }
        return name
    }

    /// The addresses of a rule's ipBlocks of one family (each cidr minus its excepts) as one interval set,
    /// so the rule is one nftables rule (one set look-up when the kernel adds it) however many blocks it
    /// lists; one block gives the set every rule with that block alone shares.
    mutating func ipBlockSet(_ blocks: [IPBlock]) -> String {
        let blocks = blocks.count == 1 ? blocks : Set(blocks).sorted { $0.meaning < $1.meaning }
        let addresses = blocks.count == 1 ? blocks[0].addresses : AddressRangeSet(blocks.flatMap(\.addresses.ranges))
        return addressSet(meaning: blocks.map(\.meaning).joined(separator: "; "), family: blocks[0].cidr.family, addresses: addresses,
                          explained: blocks.count == 1 ? .ipBlock(blocks[0]) : .anyOf(blocks.map(SetMeaning.ipBlock)))
    }

    /// The `family` CIDRs of a ClusterNetworkPolicy `networks` peer as an interval set; nil when it has
    /// none of that family. One CIDR gives the set an ipBlock of that CIDR uses.
    mutating func networksSet(_ cidrs: [CIDR], family: IPFamily) -> String? {
        let own = Set(cidrs.filter { $0.family == family }.map(\.description)).sorted()
        guard !own.isEmpty else { return nil }
        let addresses = AddressRangeSet(cidrs.filter { $0.family == family }.map(\.range))
        return addressSet(meaning: own.joined(separator: ","), family: family, addresses: addresses,
                          explained: .networks(cidrs.filter { $0.family == family }))
    }

    private mutating func addressSet(meaning: String, family: IPFamily, addresses: AddressRangeSet, explained: SetMeaning) -> String {
        let name = "cidr_\(StableName.hash(meaning))_\(family.rawValue)"
        if sets[name] == nil {
            meanings[name] = explained
            sets[name] = NamedSet(name: name, keyType: [family.addressType], isInterval: true, comment: nftComment(meaning),
                                  elements: addresses.ranges.map { SetElement(key: SetKey(.address($0))) })
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
                                  elements: merged.map { SetElement(key: SetKey(.l4Protocol($0.0), .ports($0.1))) })
        }
        return name
    }

    // MARK: - Following the cluster

    /// Moves the elements of changed pods in every pod-derived set from what they were to what they
    /// are. Changes of one update come together: when an address passes from one pod to another, the
    /// element it contributes may stay, and applying the two halves separately would lose it.
    mutating func apply(_ changes: [ClusterIndex.PodChange], index: ClusterIndex) {
        guard !changes.isEmpty, listsPods else { return }
        for name in podSets(changes) {
            let meaning = podSets[name]!
            let before = changes.flatMap { change in change.before.map { meaning.elements(of: $0, index: index) } ?? [] }
            let after = changes.flatMap { change in change.after.map { meaning.elements(of: $0, index: index) } ?? [] }
            // Most sets list neither version of the pod: nothing to compare as sets.
            guard before != after else { continue }
            let old = Set(before), new = Set(after)
            for element in old.subtracting(new) { sets[name]!.elements.remove(element) }
            for element in new.subtracting(old) { sets[name]!.elements.insert(element) }
        }
    }

    /// The pod-derived sets that may list a pod of `changes`, before or after.
    private func podSets(_ changes: [ClusterIndex.PodChange]) -> Set<String> {
        var names = podSetsOfAnyNamespace
        for change in changes {
            for namespace in Set([change.before?.namespace, change.after?.namespace].compactMap { $0 }) {
                names.formUnion(podSetsByNamespace[namespace] ?? [])
            }
        }
        return names
    }

    /// Recomputes the sets that select namespaces by label, after a namespace changed.
    mutating func namespacesChanged(index: ClusterIndex) {
        for (name, meaning) in podSets {
            guard case .peers(.selected, _, _) = meaning else { continue }
            sets[name]!.elements = meaning.members(index: index)
        }
    }

    /// Moves a changed Node's addresses in every Node-derived set; `nodes` is every Node after the
    /// change, so an address another matching Node still has stays.
    mutating func nodeChanged(before: ClusterNode?, after: ClusterNode?, nodes: [String: ClusterNode]) {
        for (name, meaning) in nodeSets {
            let old = Set(before.map(meaning.elements(of:)) ?? []), new = Set(after.map(meaning.elements(of:)) ?? [])
            guard old != new else { continue }
            let others = Set(nodes.values.filter { $0.name != (after ?? before)?.name }.flatMap(meaning.elements(of:)))
            for element in old.subtracting(new).subtracting(others) { sets[name]!.elements.remove(element) }
            for element in new.subtracting(old) { sets[name]!.elements.insert(element) }
        }
    }

    /// The names of the sets changed since the last call (see `TrackedSets`).
    mutating func takeChangedSets() -> Set<String> { sets.takeChanged() }

    /// Forgets the sets no rule refers to, beyond the `spares` largest of them (the costliest to build
    /// again); returns the names forgotten.
    mutating func forgetUnused(keeping used: Set<String>, spares: Int) -> Set<String> {
        let unused = sets.values.filter { !used.contains($0.name) }
            .sorted { ($0.elements.count, $0.name) > ($1.elements.count, $1.name) }
        let forgotten = Set(unused.dropFirst(spares).map(\.name))
        for name in forgotten {
            sets[name] = nil
            if let namespace = podSets.removeValue(forKey: name)?.namespace {
                podSetsByNamespace[namespace]?.remove(name)
                if podSetsByNamespace[namespace]?.isEmpty == true { podSetsByNamespace[namespace] = nil }
            } else {
                podSetsOfAnyNamespace.remove(name)
            }
            nodeSets[name] = nil
            meanings[name] = nil
        }
        return forgotten
    }
}

extension SetRegistry.PodSetMeaning {
    /// The one namespace whose pods can be members (peers of a named namespace); nil: any namespace's.
    var namespace: String? {
        guard case .peers(.named(let namespace), _, _) = self else { return nil }
        return namespace
    }

    /// Every element the cluster's pods contribute.
    func members(index: ClusterIndex) -> TreeSet<SetElement> {
        switch self {
        case .peers(let scope, let selector, let family):
            let addresses = index.slots(in: scope, matching: selector).lazy.flatMap(index.ownedAddresses(at:))
            return TreeSet(addresses.filter { $0.family == family }.map { SetElement(key: SetKey(.address($0))) })
        case .namedPort(let name, let proto, let scope, let family):
            // The pods are read in place: every candidate is in scope, and one that owns no address adds nothing.
            let candidates = scope == .localPods ? index.localSlots : index.slots(withPortName: name)
            var elements: [SetElement] = []
            elements.reserveCapacity(candidates.count)
            for slot in candidates {
                Self.appendNamedPortElements(name: name, proto: proto, family: family, ports: index.namedPorts(at: slot),
                                             addresses: index.ownedAddresses(at: slot), to: &elements)
            }
            return TreeSet(elements)
        }
    }

    /// The elements a pod contributes: its address for peer sets, (address, [protocol,] port) for
    /// named-port sets.
    func elements(of pod: Pod, index: ClusterIndex) -> [SetElement] {
        switch self {
        case .peers(let scope, let selector, let family):
            guard index.selects(pod, scope: scope, selector: selector) else { return [] }
            return pod.addresses.filter { $0.family == family }.map { SetElement(key: SetKey(.address($0))) }
        case .namedPort(let name, let proto, let scope, let family):
            guard scope == .allPods || pod.nodeName == index.node else { return [] }
            var elements: [SetElement] = []
            Self.appendNamedPortElements(name: name, proto: proto, family: family, ports: pod.namedPorts, addresses: pod.addresses,
                                         to: &elements)
            return elements
        }
    }

    /// Appends the (address, [protocol,] port) elements of a pod with these ports and (owned) addresses,
    /// each once, for the named-port set of `name`, `proto` (nil: any) and `family`.
    private static func appendNamedPortElements(name: String, proto: L4Protocol?, family: IPFamily, ports: [NamedPort],
                                                addresses: [IPAddress], to elements: inout [SetElement]) {
        let podStart = elements.endIndex
        for named in ports where named.name == name && (proto == nil || named.proto == proto) {
            for address in addresses where address.family == family {
                let element = SetElement(key: proto == nil ? SetKey(.address(address), .l4Protocol(named.proto), .port(named.port))
                                                           : SetKey(.address(address), .port(named.port)))
                if !elements[podStart...].contains(element) { elements.append(element) }
            }
        }
    }
}

extension IPBlock {
    /// `cidr` or `cidr except a,b`: the set's comment, and what its name hashes.
    var meaning: String {
        except.isEmpty ? "\(cidr)" : "\(cidr) except \(except.map(\.description).joined(separator: ","))"
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
