import Ruleset

extension Ruleset {
    /// The same ruleset with sets and chains by name and set elements sorted: the kernel does not keep
    /// declaration order across deltas, and lists hash sets in hash order.
    public var normalized: Ruleset {
        var copy = self
        copy.table.sets = table.sets.map { set in
            var sorted = set
            sorted.elements.sort()
            return sorted
        }.sorted { $0.name < $1.name }
        copy.table.chains.sort { $0.name < $1.name }
        return copy
    }
}
