/// How one set kept by a delta changes: the removal goes before any set or chain is deleted, the
/// addition after every set and chain is created.
struct SetElementDiff {
    var removal: RulesetOperation?
    var addition: RulesetOperation?

    /// `recreatedChains` are deleted and added again in the same batch, so map elements jumping to them
    /// must go and come back even when unchanged.
    init(from old: NamedSet, to new: NamedSet, recreatedChains: Set<String>) {
        let jumpsToRecreated = { (element: SetElement) in element.verdict?.chainName.map(recreatedChains.contains) ?? false }
        let mayJump = new.isVerdictMap && !recreatedChains.isEmpty
        let unchanged = old.elements == new.elements
        if unchanged, !mayJump || !old.elements.contains(where: jumpsToRecreated) { return }
        // The kernel keeps a one-field interval set as range boundaries, not ranges: refill it whole,
        // encoded exactly as for a new set.
        if new.isInterval, new.keyType.count == 1 {
            removal = .flushSet(new.name)
            addition = new.elements.isEmpty ? nil : .addElements(new)
            return
        }
        let (oldChanged, newChanged) = unchanged ? (0..<0, 0..<0) : Self.changedMiddles(old.elements, new.elements)
        let before = Set(old.elements[oldChanged]), after = Set(new.elements[newChanged])
        // Unchanged elements jumping to a recreated chain count too; otherwise only the middles matter.
        let removed = (mayJump ? old.elements.indices : oldChanged).filter { index in
            oldChanged.contains(index) && !after.contains(old.elements[index]) || mayJump && jumpsToRecreated(old.elements[index])
        }.map { old.elements[$0] }
        let added = (mayJump ? new.elements.indices : newChanged).filter { index in
            newChanged.contains(index) && !before.contains(new.elements[index]) || mayJump && jumpsToRecreated(new.elements[index])
        }.map { new.elements[$0] }
        if !removed.isEmpty { removal = .deleteElements(new.with(elements: removed)) }
        if !added.isEmpty { addition = .addElements(new.with(elements: added)) }
    }

    /// Pod churn changes a few elements of long lists: what lies between the common head and tail of
    /// both lists is all that needs hashing.
    private static func changedMiddles(_ old: [SetElement], _ new: [SetElement]) -> (Range<Int>, Range<Int>) {
        var head = 0
        while head < old.count, head < new.count, old[head] == new[head] { head += 1 }
        var tail = 0
        while tail < old.count - head, tail < new.count - head, old[old.count - 1 - tail] == new[new.count - 1 - tail] { tail += 1 }
        return (head..<old.count - tail, head..<new.count - tail)
    }
}

private extension NamedSet {
    func with(elements: [SetElement]) -> NamedSet {
        var copy = self
        copy.elements = elements
        return copy
    }
}
