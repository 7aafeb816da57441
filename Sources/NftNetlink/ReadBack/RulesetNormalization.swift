import Ruleset

extension Ruleset {
    /// The same ruleset with sets, counters, limits and chains by name: the kernel does not keep declaration order
    /// across deltas. (Set elements have no order to normalise; counter values are not in the model.)
    public var normalized: Ruleset {
        var copy = self
        copy.table.sets.sort { $0.name < $1.name }
        copy.table.counters.sort { $0.name < $1.name }
        copy.table.limits.sort { $0.name < $1.name }
        copy.table.chains.sort { $0.name < $1.name }
        return copy
    }
}
