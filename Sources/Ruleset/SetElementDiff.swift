import HashTreeCollections

/// How one set kept by a delta changes: the removal goes before any set or chain is deleted, the
/// addition after every set and chain is created.
struct SetElementDiff {
    var removal: RulesetOperation?
    var addition: RulesetOperation?

    /// `recreatedChains` are deleted and added again in the same batch, so map elements jumping to them
    /// must go and come back even when unchanged.
    init(from old: NamedSet, to new: NamedSet, recreatedChains: Set<String>) {
        // Most sets of a pod event's diff are the very same value: nothing to read.
        if old.isIdentical(to: new), recreatedChains.isEmpty { return }
        let mayJump = new.isVerdictMap && !recreatedChains.isEmpty
        // Cheap when the sets share structure: pod churn touches a few elements of long sets.
        let unchanged = old.elements == new.elements
        if unchanged, !mayJump { return }
        let jumpsToRecreated = { (element: SetElement) in element.verdict?.chainName.map(recreatedChains.contains) ?? false }
        if unchanged, !old.elements.contains(where: jumpsToRecreated) { return }
        // The kernel keeps a one-field interval set as range boundaries, not ranges: refill it whole,
        // encoded exactly as for a new set.
        if new.isInterval, new.keyType.count == 1 {
            removal = .flushSet(new.name)
            addition = new.elements.isEmpty ? nil : .addElements(new)
            return
        }
        var removed = old.elements.subtracting(new.elements)
        var added = new.elements.subtracting(old.elements)
        if mayJump {
            removed.formUnion(old.elements.filter(jumpsToRecreated))
            added.formUnion(new.elements.filter(jumpsToRecreated))
        }
        if !removed.isEmpty { removal = .deleteElements(new.with(elements: removed)) }
        if !added.isEmpty { addition = .addElements(new.with(elements: added)) }
    }
}

private extension NamedSet {
    func with(elements: TreeSet<SetElement>) -> NamedSet {
        var copy = self
        copy.elements = elements
        return copy
    }
}
