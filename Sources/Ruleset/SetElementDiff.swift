/// How one set kept by a delta changes: the removal goes before any set or chain is deleted, the
/// addition after every set and chain is created.
struct SetElementDiff {
    var removal: RulesetOperation?
    var addition: RulesetOperation?

    /// `recreatedChains` are deleted and added again in the same batch, so map elements jumping to them
    /// must go and come back even when unchanged.
    init(from old: NamedSet, to new: NamedSet, recreatedChains: Set<String>) {
        let jumpsToRecreated = { (element: SetElement) in element.verdict?.chainName.map(recreatedChains.contains) ?? false }
        if old.elements == new.elements, !old.elements.contains(where: jumpsToRecreated) { return }
        // The kernel keeps a one-field interval set as range boundaries, not ranges: refill it whole,
        // encoded exactly as for a new set.
        if new.isInterval, new.keyType.count == 1 {
            removal = .flushSet(new.name)
            addition = new.elements.isEmpty ? nil : .addElements(new)
            return
        }
        let removed: [SetElement], added: [SetElement]
        if old.elements == new.elements {
            removed = old.elements.filter(jumpsToRecreated)
            added = removed
        } else {
            let before = Set(old.elements), after = Set(new.elements)
            removed = old.elements.filter { !after.contains($0) || jumpsToRecreated($0) }
            added = new.elements.filter { !before.contains($0) || jumpsToRecreated($0) }
        }
        if !removed.isEmpty { removal = .deleteElements(new.with(elements: removed)) }
        if !added.isEmpty { addition = .addElements(new.with(elements: added)) }
    }
}

private extension NamedSet {
    func with(elements: [SetElement]) -> NamedSet {
        var copy = self
        copy.elements = elements
        return copy
    }
}
