import ClusterModel
import IPAddressing

/// The cluster's pods and namespaces arranged for selector look-ups, updated one object at a time.
/// Only enforceable pods are kept, and each address belongs to one pod: when a finished or stale
/// pod's IP is reused, the newest pod wins. Pods live in numbered slots so indexes stay small.
struct ClusterIndex {
    let node: String
    private(set) var namespaceLabels: [String: [String: String]] = [:]
    private var slots: [Pod?] = []
    private var freeSlots: [Int] = []
    /// By namespace and name: every reference here is a Pod's, and a key without the kind is 16 bytes
    /// smaller in each of the table's buckets (a quarter of a million of them at 100k pods).
    private var slotByName: [PodName: Int] = [:]
    private var owners = AddressOwnership()
    private var byNamespace: [String: Set<Int>] = [:]
    private var byLabel: [LabelKey: [Int]] = [:]
    /// containerPort name → slots of the pods that declare it.
    private var byPortName: [String: Set<Int>] = [:]
    private(set) var localSlots: Set<Int> = []

    private struct PodName: Hashable {
        var namespace: String
        var name: String

        init(_ reference: ObjectReference) { (namespace, name) = (reference.namespace ?? "", reference.name) }
    }

    /// One label of one namespace's pods, for look-ups by matchLabels and `In`.
    private struct LabelKey: Hashable {
        var namespace: String
        var key: String
        var value: String
    }

    init(node: String) { self.node = node }

    /// The pod in `slot` with only the addresses it owns; nil when it owns none.
    func pod(at slot: Int) -> Pod? {
        guard var pod = slots[slot] else { return nil }
        if !owners.hasContestedAddresses || pod.addresses.allSatisfy({ owners.owner(of: $0) == slot }) { return pod }
        pod.addresses = pod.addresses.filter { owners.owner(of: $0) == slot }
        return pod.addresses.isEmpty ? nil : pod
    }

    /// The addresses the pod in `slot` owns, read in place: what peer sets list, without copying the pod.
    func ownedAddresses(at slot: Int) -> [IPAddress] {
        guard let addresses = slots[slot]?.addresses else { return [] }
        return owners.hasContestedAddresses ? addresses.filter { owners.owner(of: $0) == slot } : addresses
    }

    /// The named containerPorts of the pod in `slot`, read in place.
    func namedPorts(at slot: Int) -> [NamedPort] { slots[slot]?.namedPorts ?? [] }

    func slots(withPortName name: String) -> Set<Int> { byPortName[name] ?? [] }

    /// The pod that holds `address`: the newest of those claiming it.
    func pod(owning address: IPAddress) -> Pod? { owners.owner(of: address).flatMap(pod(at:)) }

    func isLocal(_ slot: Int) -> Bool { localSlots.contains(slot) }

    /// The pod of this node with `reference`, with only the addresses it owns; nil when it is not here,
    /// not on this node, or owns no address.
    func localPod(_ reference: ObjectReference) -> Pod? {
        slotByName[PodName(reference)].flatMap { localSlots.contains($0) ? pod(at: $0) : nil }
    }

    // MARK: - Updates

    /// One pod as it was and as it is now, both as policy sees them (nil: not a peer or target).
    struct PodChange {
        var before: Pod?
        var after: Pod?
    }

    /// Room for `pods` more pods, so that a first load does not grow (and rehash) its tables step by step.
    mutating func reserveCapacity(pods: Int) {
        // At least doubled, as appending would: room made exactly, List after List, would copy the slots each time.
        if slots.count + pods > slots.capacity { slots.reserveCapacity(max(slots.count + pods, 2 * slots.capacity)) }
        slotByName.reserveCapacity(slotByName.count + pods)
        // One address per pod: room for two (a family each) would double a single-stack cluster's
        // table, whose buckets all get touched; a dual-stack one grows it once.
        owners.reserveCapacity(slotByName.count + pods)
    }

    /// Room for `addresses` more pod addresses: a first load knows how many a dual-stack cluster has.
    mutating func reserveCapacity(addresses: Int) { owners.reserveCapacity(owners.count + addresses) }

    mutating func upsertNamespace(_ namespace: Namespace) { namespaceLabels[namespace.name] = namespace.labels }

    mutating func removeNamespace(named name: String) { namespaceLabels[name] = nil }

    /// Stores, replaces or (with `pod == nil`) removes a pod. Returns every pod whose view changed:
    /// the pod itself and any pod that gained or lost an address through IP reuse.
    mutating func update(_ reference: ObjectReference, to pod: Pod?) -> [PodChange] {
        let stored = pod.flatMap { $0.isEnforceable ? $0 : nil }
        if let stored, insertIfNew(stored, reference: reference) { return [PodChange(before: nil, after: stored)] }
        var affected: Set<Int> = []
        let oldSlot = slotByName[PodName(reference)]
        if let oldSlot, let old = slots[oldSlot] {
            affected.insert(oldSlot)
            for address in old.addresses { affected.formUnion(owners.claimants(of: address)) }
        }
        for address in stored?.addresses ?? [] { affected.formUnion(owners.claimants(of: address)) }
        let before = Dictionary(uniqueKeysWithValues: affected.map { ($0, self.pod(at: $0)) })

        if let oldSlot { remove(slot: oldSlot, reference: reference) }
        if let stored {
            let slot = insert(stored, reference: reference)
            affected.insert(slot)
        }
        return affected.sorted().compactMap { slot in
            let change = PodChange(before: before[slot] ?? nil, after: self.pod(at: slot))
            return change.before == change.after ? nil : change
        }
    }

    /// Stores an enforceable pod the index does not hold whose addresses nobody claims: the common
    /// case, and all of a first load, where the pod itself is the only change. False, storing nothing,
    /// for any other pod.
    mutating func insertIfNew(_ pod: Pod, reference: ObjectReference) -> Bool {
        guard slotByName[PodName(reference)] == nil, pod.addresses.allSatisfy({ owners.owner(of: $0) == nil }) else { return false }
        _ = insert(pod, reference: reference)
        return true
    }

    private mutating func insert(_ pod: Pod, reference: ObjectReference) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = pod
        } else {
            slot = slots.count
            slots.append(pod)
        }
        slotByName[PodName(reference)] = slot
        byNamespace[pod.namespace, default: []].insert(slot)
        for (key, value) in pod.labels { byLabel[LabelKey(namespace: pod.namespace, key: key, value: value), default: []].append(slot) }
        for name in Self.portNames(of: pod) { byPortName[name, default: []].insert(slot) }
        if pod.nodeName == node { localSlots.insert(slot) }
        for address in pod.addresses {
            guard let current = owners.claimIfFree(address, by: slot) else { continue }
            owners.claim(address, by: slot, becomingOwner: isNewer(slot, than: current))
        }
        return slot
    }

    private mutating func remove(slot: Int, reference: ObjectReference) {
        guard let pod = slots[slot] else { return }
        slots[slot] = nil
        freeSlots.append(slot)
        slotByName[PodName(reference)] = nil
        byNamespace[pod.namespace]?.remove(slot)
        for (key, value) in pod.labels {
            let label = LabelKey(namespace: pod.namespace, key: key, value: value)
            byLabel[label]?.removeAll { $0 == slot }
            if byLabel[label]?.isEmpty == true { byLabel[label] = nil }
        }
        for name in Self.portNames(of: pod) { byPortName[name]?.remove(slot) }
        localSlots.remove(slot)
        for address in pod.addresses {
            let successor = owners.claimants(of: address).filter { $0 != slot }.max { isNewer($1, than: $0) }
            owners.release(address, by: slot, successor: successor)
        }
    }

    /// Each name of the pod's named ports once, without building a Set for a pod's two or three ports.
    private static func portNames(of pod: Pod) -> some Sequence<String> {
        pod.namedPorts.indices.lazy.filter { index in !pod.namedPorts[..<index].contains { $0.name == pod.namedPorts[index].name } }
            .map { pod.namedPorts[$0].name }
    }

    /// Later creation wins; name order breaks ties so the choice never depends on arrival order.
    private func isNewer(_ slot: Int, than other: Int) -> Bool {
        guard let pod = slots[slot], let otherPod = slots[other] else { return false }
        return (pod.creationTimestamp, pod.namespace, pod.name) > (otherPod.creationTimestamp, otherPod.namespace, otherPod.name)
    }

    // MARK: - Selection

    /// Slots of `namespace`'s pods that `selector` selects.
    func slots(inNamespace namespace: String, matching selector: LabelSelector) -> [Int] {
        let candidates: [Int]
        if let (key, values) = selector.requiredValues {
            candidates = values.flatMap { byLabel[LabelKey(namespace: namespace, key: key, value: $0)] ?? [] }
        } else {
            candidates = Array(byNamespace[namespace] ?? [])
        }
        return candidates.filter { (slots[$0]?.labels).map(selector.matches) ?? false }
    }

    func namespaces(matching selector: LabelSelector) -> [String] {
        namespaceLabels.keys.filter { selector.matches(namespaceLabels[$0] ?? [:]) }
    }

    func slots(in scope: NamespaceScope, matching selector: LabelSelector) -> [Int] {
        switch scope {
        case .named(let namespace):
            return slots(inNamespace: namespace, matching: selector)
        case .selected(let namespaceSelector):
            return namespaces(matching: namespaceSelector).flatMap { slots(inNamespace: $0, matching: selector) }
        }
    }

    /// Whether a peer of `scope` and `selector` selects `pod`.
    func selects(_ pod: Pod, scope: NamespaceScope, selector: LabelSelector) -> Bool {
        switch scope {
        case .named(let namespace):
            guard pod.namespace == namespace else { return false }
        case .selected(let namespaceSelector):
            guard let labels = namespaceLabels[pod.namespace], namespaceSelector.matches(labels) else { return false }
        }
        return selector.matches(pod.labels)
    }
}
