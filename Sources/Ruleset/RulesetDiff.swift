/// Turns a change of the ruleset into the operations of one transaction.
///
/// `operations(from:to:)` touches only what changed: elements added and removed per set, changed chains
/// flushed and rewritten, new sets, counters, limits and chains created, orphans deleted. nftables cannot redefine
/// a set, chain or counter in place, so one whose declaration changed is deleted and created again. An
/// unchanged counter is never touched, so the packets it counted persist across deltas. The order is one
/// the kernel accepts: whatever refers to a set, chain or counter (rules, map elements) goes before it is
/// deleted, and sets, chains and counters exist before anything refers to them.
public enum RulesetDiff {
    /// The whole table in one transaction: nothing is ever without enforcement.
    public static func replacement(_ ruleset: Ruleset) -> [RulesetOperation] {
        let table = ruleset.table
        // Adding first lets the delete succeed when there is no table yet.
        var operations: [RulesetOperation] = [.addTable(comment: nil), .deleteTable, .addTable(comment: table.comment)]
        // Chains first, since map elements name them; sets and counters before the rules that use them.
        operations += table.chains.map { .addChain($0.declaration) }
        for set in setsMostLookedUpFirst(table) {
            operations.append(.addSet(set.declaration))
            if !set.elements.isEmpty { operations.append(.addElements(set)) }
        }
        operations += table.counters.map { .addCounter($0) }
        operations += table.limits.map { .addLimit($0) }
        for chain in table.chains { operations += chain.rules.map { .addRule(chain: chain.name, $0) } }
        return operations
    }

    /// The kernel finds the set a rule looks up by walking the table's sets in the order they were
    /// created, comparing names (nf_tables_api.c: `nft_lookup_init` → `nft_set_lookup_global` →
    /// `nft_set_lookup`). At a thousand policy groups that walk was most of the kernel's work on a full
    /// write; a set that many rules look up (a named port's, a shared peer set) created first makes
    /// most walks short. Ties keep the table's order.
    private static func setsMostLookedUpFirst(_ table: Table) -> [NamedSet] {
        var lookups: [String: Int] = [:]
        for chain in table.chains {
            for rule in chain.rules { for name in rule.setNames { lookups[name, default: 0] += 1 } }
        }
        return table.sets.enumerated().sorted { first, second in
            let (firstCount, secondCount) = (lookups[first.element.name] ?? 0, lookups[second.element.name] ?? 0)
            return firstCount != secondCount ? firstCount > secondCount : first.offset < second.offset
        }.map(\.element)
    }

    public static func operations(from old: Ruleset, to new: Ruleset) -> [RulesetOperation] {
        let before = old.table, after = new.table
        guard before.family == after.family, before.name == after.name, before.comment == after.comment else {
            return replacement(new)
        }
        // A pod event diffs thousands of sets and chains, nearly all unchanged: they are read in place
        // through buffers, as an array's subscript would copy each one (every field retained).
        return before.sets.withUnsafeBufferPointer { oldSets in
            after.sets.withUnsafeBufferPointer { newSets in
                before.chains.withUnsafeBufferPointer { oldChains in
                    after.chains.withUnsafeBufferPointer { newChains in
                        operations(sets: (oldSets, newSets), chains: (oldChains, newChains), before: before, after: after)
                    }
                }
            }
        }
    }

    private typealias Versions<Object> = (old: UnsafeBufferPointer<Object>, new: UnsafeBufferPointer<Object>)

    private static func operations(sets: Versions<NamedSet>, chains: Versions<Chain>, before: Table, after: Table) -> [RulesetOperation] {
        let setPairs = Pairing(sets), chainPairs = Pairing(chains)
        let counterPairs = before.counters.withUnsafeBufferPointer { old in after.counters.withUnsafeBufferPointer { Pairing((old, $0)) } }
        let limitPairs = before.limits.withUnsafeBufferPointer { old in after.limits.withUnsafeBufferPointer { Pairing((old, $0)) } }
        // Deleted, or deleted and created again because the declaration changed.
        let gone = DeletedNames(sets: Set(setPairs.gone.map { sets.old[$0].name }),
                                chains: Set(chainPairs.gone.map { chains.old[$0].name }),
                                counters: Set(counterPairs.gone.map { before.counters[$0].name }),
                                limits: Set(limitPairs.gone.map { before.limits[$0].name }))

        // Kept chains whose rules changed, or refer to something deleted and created again. Chains listed
        // in the very same array as before (a pod event mostly) kept their rules.
        let rewritten = chainPairs.shared && gone.isEmpty ? [] : chains.new.indices.filter { index in
            guard let previous = chainPairs.kept[index] else { return false }
            return chains.old[previous].rules != chains.new[index].rules || !gone.isEmpty && chains.old[previous].rules.contains { $0.refers(to: gone) }
        }
        let created = chains.new.indices.filter { chainPairs.kept[$0] == nil }

        var operations: [RulesetOperation] = []
        // Emptying chains first drops their rules' references to whatever is deleted below.
        operations += chainPairs.gone.map { .flushChain(chains.old[$0].name) }
        operations += rewritten.map { .flushChain(chains.new[$0].name) }
        var additions: [Int: RulesetOperation] = [:]
        for index in sets.new.indices {
            guard let previous = setPairs.kept[index] else { continue }
            let change = SetElementDiff(from: sets.old[previous], to: sets.new[index], recreatedChains: gone.chains)
            if let removal = change.removal { operations.append(removal) }
            additions[index] = change.addition
        }
        operations += setPairs.gone.map { .deleteSet(sets.old[$0].name) }
        operations += counterPairs.gone.map { .deleteCounter(before.counters[$0].name) }
        operations += limitPairs.gone.map { .deleteLimit(before.limits[$0].name) }
        operations += chainPairs.gone.map { .deleteChain(chains.old[$0].name) }

        operations += created.map { .addChain(chains.new[$0].declaration) }
        operations += after.counters.indices.filter { counterPairs.kept[$0] == nil }.map { .addCounter(after.counters[$0]) }
        operations += after.limits.indices.filter { limitPairs.kept[$0] == nil }.map { .addLimit(after.limits[$0]) }
        for index in sets.new.indices {
            if setPairs.kept[index] == nil {
                operations.append(.addSet(sets.new[index].declaration))
                if !sets.new[index].elements.isEmpty { operations.append(.addElements(sets.new[index])) }
            } else if !additions.isEmpty, let addition = additions[index] {
                operations.append(addition)
            }
        }
        for index in (created + rewritten).sorted() {
            operations += chains.new[index].rules.map { .addRule(chain: chains.new[index].name, $0) }
        }
        return operations
    }
}

/// What the diff pairs by name between two versions of the table.
protocol PairedByName {
    var name: String { get }
    /// Whether the object can be kept rather than recreated: every field but its contents matches.
    func isDeclared(like other: Self) -> Bool
    /// Whether both are one stored value, known without reading them; false when that cannot be told.
    func isIdentical(to other: Self) -> Bool
}

extension NamedSet: PairedByName {}
extension Chain: PairedByName {
    func isIdentical(to other: Chain) -> Bool { false }
}
extension NamedCounter: PairedByName {
    func isDeclared(like other: NamedCounter) -> Bool { self == other }
    func isIdentical(to other: NamedCounter) -> Bool { false }
}
extension NamedLimit: PairedByName {
    func isDeclared(like other: NamedLimit) -> Bool { self == other }
    func isIdentical(to other: NamedLimit) -> Bool { false }
}

/// Matches the sets (or chains, or counters) of two versions by name. An old one is kept when a new one of
/// the same name is declared alike; every other old one is gone, and every unmatched new one is created.
private struct Pairing {
    /// For each new object, the index of the old one it keeps, if any.
    var kept: [Int?]
    /// Indices of old objects to delete.
    var gone: [Int]
    /// Both versions are one array: every object is kept as it is.
    var shared = false

    init<Object: PairedByName>(_ versions: (old: UnsafeBufferPointer<Object>, new: UnsafeBufferPointer<Object>)) {
        let (old, new) = versions
        // Nothing to read in an array the last table listed too (the compiler keeps unchanged lists).
        guard old.baseAddress != new.baseAddress || old.count != new.count else {
            kept = Array(old.indices)
            gone = []
            shared = true
            return
        }
        var byName: [String: Int]?
        var keptOld = [Bool](repeating: false, count: old.count)
        kept = new.indices.map { index in
            if index < old.count, old[index].isIdentical(to: new[index]) {
                keptOld[index] = true
                return index
            }
            // Same position is the common case; index the names only when it fails.
            var match: Int?
            if index < old.count, old[index].name == new[index].name {
                match = index
            } else {
                if byName == nil { byName = Dictionary(old.indices.map { (old[$0].name, $0) }, uniquingKeysWith: { first, _ in first }) }
                match = byName![new[index].name]
            }
            guard let match, !keptOld[match], new[index].isDeclared(like: old[match]) else { return nil }
            keptOld[match] = true
            return match
        }
        gone = old.indices.filter { !keptOld[$0] }
    }
}
