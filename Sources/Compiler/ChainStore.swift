import Ruleset

/// The policy chains of the table, each kept while some local pod's path goes through it, with the
/// counters and sets that live with it.
///
/// A chain's name says what it holds (its policies, and for a tier chain the chain it hands over to),
/// so a pod whose path names a stored chain takes it as it is: its rule array, and with it the diff's
/// comparison, stay untouched. Counts are per path entry: a pod whose two paths share a chain counts it
/// twice, and releases it twice.
struct ChainStore {
    private struct Entry {
        var chain: Chain
        var meaning: ChainMeaning
        var counters: [PolicyCounters.Declaration]
        var setNames: Set<String>
        var users = 0
    }

    private var entries: [String: Entry] = [:]
    /// The chains in use, sorted by name as the table lists them.
    private(set) var chains: [Chain] = []
    private(set) var counters = PolicyCounters()
    private var setUsers: [String: Int] = [:]
    /// The sets the chains in use look up, sorted: the only ones the table holds.
    private(set) var usedSets: [String] = []

    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// What the chains in use stand for, by name.
    var meanings: [String: ChainMeaning] { entries.mapValues(\.meaning) }

    /// A new chain, with the counters its rules add to; it is in use once `retain`ed.
    mutating func add(_ chain: Chain, meaning: ChainMeaning, counters: [PolicyCounters.Declaration]) {
        entries[chain.name] = Entry(chain: chain, meaning: meaning, counters: counters,
                                    setNames: Set(chain.rules.flatMap(\.setNames)))
    }

    /// One more path goes through each of `names` (all added before).
    mutating func retain(_ names: [String]) {
        for name in names {
            entries[name]!.users += 1
            guard let entry = entries[name], entry.users == 1 else { continue }
            chains.insertSorted(entry.chain, by: \.name)
            for counter in entry.counters { counters.retain(counter) }
            for set in entry.setNames {
                setUsers[set, default: 0] += 1
                if setUsers[set] == 1 { usedSets.insertSorted(set, by: { $0 }) }
            }
        }
    }

    /// A path through each of `names` is gone; a chain no path goes through any more goes, with the
    /// counters and sets only it used.
    mutating func release(_ names: [String]) {
        for name in names {
            entries[name]!.users -= 1
            guard let entry = entries[name], entry.users == 0 else { continue }
            entries[name] = nil
            chains.removeSorted(named: name, by: \.name)
            for counter in entry.counters { counters.release(counter.name) }
            for set in entry.setNames {
                setUsers[set]! -= 1
                if setUsers[set] == 0 {
                    setUsers[set] = nil
                    usedSets.removeSorted(named: set, by: { $0 })
                }
            }
        }
    }
}
