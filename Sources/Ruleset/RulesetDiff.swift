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
        for set in table.sets {
            operations.append(.addSet(set.declaration))
            if !set.elements.isEmpty { operations.append(.addElements(set)) }
        }
        operations += table.counters.map { .addCounter($0) }
        operations += table.limits.map { .addLimit($0) }
        for chain in table.chains { operations += chain.rules.map { .addRule(chain: chain.name, $0) } }
        return operations
    }

    public static func operations(from old: Ruleset, to new: Ruleset) -> [RulesetOperation] {
        let before = old.table, after = new.table
        guard before.family == after.family, before.name == after.name, before.comment == after.comment else {
            return replacement(new)
        }
        // Objects are paired by index, not copied: a diff over thousands of them runs per pod event.
        let setPairs = Pairing(old: before.sets.map(\.name), new: after.sets.map(\.name)) { after.sets[$1].isDeclared(like: before.sets[$0]) }
        let chainPairs = Pairing(old: before.chains.map(\.name), new: after.chains.map(\.name)) {
            after.chains[$1].isDeclared(like: before.chains[$0])
        }
        let counterPairs = Pairing(old: before.counters.map(\.name), new: after.counters.map(\.name)) {
            after.counters[$1] == before.counters[$0]
        }
        let limitPairs = Pairing(old: before.limits.map(\.name), new: after.limits.map(\.name)) { after.limits[$1] == before.limits[$0] }
        // Deleted, or deleted and created again because the declaration changed.
        let gone = DeletedNames(sets: Set(setPairs.gone.map { before.sets[$0].name }),
                                chains: Set(chainPairs.gone.map { before.chains[$0].name }),
                                counters: Set(counterPairs.gone.map { before.counters[$0].name }),
                                limits: Set(limitPairs.gone.map { before.limits[$0].name }))

        // Kept chains whose rules changed, or refer to something deleted and created again.
        let rewritten = after.chains.indices.filter { index in
            guard let previous = chainPairs.kept[index] else { return false }
            let rules = before.chains[previous].rules
            return rules != after.chains[index].rules || !gone.isEmpty && rules.contains { $0.refers(to: gone) }
        }
        let created = after.chains.indices.filter { chainPairs.kept[$0] == nil }

        var operations: [RulesetOperation] = []
        // Emptying chains first drops their rules' references to whatever is deleted below.
        operations += chainPairs.gone.map { .flushChain(before.chains[$0].name) }
        operations += rewritten.map { .flushChain(after.chains[$0].name) }
        var additions: [Int: RulesetOperation] = [:]
        for (index, set) in after.sets.enumerated() {
            guard let previous = setPairs.kept[index] else { continue }
            let change = SetElementDiff(from: before.sets[previous], to: set, recreatedChains: gone.chains)
            if let removal = change.removal { operations.append(removal) }
            additions[index] = change.addition
        }
        operations += setPairs.gone.map { .deleteSet(before.sets[$0].name) }
        operations += counterPairs.gone.map { .deleteCounter(before.counters[$0].name) }
        operations += limitPairs.gone.map { .deleteLimit(before.limits[$0].name) }
        operations += chainPairs.gone.map { .deleteChain(before.chains[$0].name) }

        operations += created.map { .addChain(after.chains[$0].declaration) }
        operations += after.counters.indices.filter { counterPairs.kept[$0] == nil }.map { .addCounter(after.counters[$0]) }
        operations += after.limits.indices.filter { limitPairs.kept[$0] == nil }.map { .addLimit(after.limits[$0]) }
        for (index, set) in after.sets.enumerated() {
            if setPairs.kept[index] == nil {
                operations.append(.addSet(set.declaration))
                if !set.elements.isEmpty { operations.append(.addElements(set)) }
            } else if let addition = additions[index] {
                operations.append(addition)
            }
        }
        for index in (created + rewritten).sorted() {
            operations += after.chains[index].rules.map { .addRule(chain: after.chains[index].name, $0) }
        }
        return operations
    }
}

/// Matches the sets (or chains, or counters) of two versions by name. An old one is kept when a new one of
/// the same name is declared alike; every other old one is gone, and every unmatched new one is created.
private struct Pairing {
    /// For each new object, the index of the old one it keeps, if any.
    var kept: [Int?]
    /// Indices of old objects to delete.
    var gone: [Int]

    init(old: [String], new: [String], declaredAlike: (_ old: Int, _ new: Int) -> Bool) {
        var byName: [String: Int]?
        var keptOld = [Bool](repeating: false, count: old.count)
        kept = new.enumerated().map { index, name in
            // Same position is the common case; index the names only when it fails.
            var match: Int?
            if index < old.count, old[index] == name {
                match = index
            } else {
                if byName == nil { byName = Dictionary(old.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }) }
                match = byName![name]
            }
            guard let match, !keptOld[match], declaredAlike(match, index) else { return nil }
            keptOld[match] = true
            return match
        }
        gone = old.indices.filter { !keptOld[$0] }
    }
}
