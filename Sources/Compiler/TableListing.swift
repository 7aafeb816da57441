import Ruleset

/// The table's sets and chains as the last `ruleset()` listed them.
///
/// A pod event changes the elements of a few sets and mostly no chain. Listing every set again (a
/// look-up by name and a copy each) and copying every chain into a fresh array cost more than the
/// rest of the round at a thousand policy groups, and every fresh array made the reconciler's
/// comparison and the diff visit each entry. While the names listed stay the same, the arrays are
/// kept, and only the entries that changed are replaced.
struct TableListing {
    private var leadingCount = 0
    private var usedNames: [String] = []
    /// Where each used set is in `sets`.
    private var positions: [String: Int] = [:]
    private var sets: [NamedSet] = []
    private var chainSources: (base: [Chain], stored: [Chain]) = ([], [])
    private var chains: [Chain] = []

    /// `leading` (the verdict maps, then any others listed first) followed by the `used` sets of the
    /// registry, in that order. `changed` names every registry set changed since the last call.
    mutating func sets(leading: [NamedSet], used: [String], registry: SetRegistry, changed: Set<String>) -> [NamedSet] {
        guard leading.count == leadingCount, used == usedNames else {
            sets = leading + used.map { registry.sets[$0]! }
            leadingCount = leading.count
            usedNames = used
            positions = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, leading.count + $0) })
            return sets
        }
        for (position, set) in leading.enumerated() where sets[position] != set { sets[position] = set }
        for name in changed {
            if let position = positions[name] { sets[position] = registry.sets[name]! }
        }
        return sets
    }

    /// The base chains, then the stored chains.
    mutating func chains(base: [Chain], stored: [Chain]) -> [Chain] {
        if base != chainSources.base || stored != chainSources.stored {
            chainSources = (base, stored)
            chains = base + stored
        }
        return chains
    }
}
