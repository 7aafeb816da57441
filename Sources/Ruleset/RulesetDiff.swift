/// Turns a change of the ruleset into the operations of one transaction.
///
/// `operations(from:to:)` touches only what changed: elements added and removed per set, changed chains
/// flushed and rewritten, new sets and chains created, orphans deleted. nftables cannot redefine a set or
/// chain in place, so one whose declaration changed is deleted and created again. The order is one the
/// kernel accepts: whatever refers to a set or chain (rules, map elements) goes before it is deleted, and
/// sets and chains exist before anything refers to them.
public enum RulesetDiff {
    /// The whole table in one transaction: nothing is ever without enforcement.
    public static func replacement(_ ruleset: Ruleset) -> [RulesetOperation] {
        let table = ruleset.table
        // Adding first lets the delete succeed when there is no table yet.
        var operations: [RulesetOperation] = [.addTable(comment: nil), .deleteTable, .addTable(comment: table.comment)]
        // Chains first, since map elements name them; sets before the rules that look them up.
        operations += table.chains.map { .addChain($0.declaration) }
        for set in table.sets {
            operations.append(.addSet(set.declaration))
            if !set.elements.isEmpty { operations.append(.addElements(set)) }
        }
        for chain in table.chains { operations += chain.rules.map { .addRule(chain: chain.name, $0) } }
        return operations
    }

    public static func operations(from old: Ruleset, to new: Ruleset) -> [RulesetOperation] {
        let before = old.table, after = new.table
        guard before.family == after.family, before.name == after.name, before.comment == after.comment else {
            return replacement(new)
        }
        let oldSets = Dictionary(before.sets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let oldChains = Dictionary(before.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newSets = Dictionary(after.sets.map { ($0.name, $0.declaration) }, uniquingKeysWith: { first, _ in first })
        let newChains = Dictionary(after.chains.map { ($0.name, $0.declaration) }, uniquingKeysWith: { first, _ in first })

        // Deleted, or deleted and created again because the declaration changed.
        let goneSets = Set(before.sets.filter { newSets[$0.name] != $0.declaration }.map(\.name))
        let goneChains = Set(before.chains.filter { newChains[$0.name] != $0.declaration }.map(\.name))

        let rewritten = after.chains.filter { chain in
            guard let previous = oldChains[chain.name], !goneChains.contains(chain.name) else { return false }
            return previous.rules != chain.rules
                || previous.rules.contains { $0.refers(toSets: goneSets, orChains: goneChains) }
        }
        var operations: [RulesetOperation] = []
        // Emptying chains first drops their rules' references to whatever is deleted below.
        operations += before.chains.filter { goneChains.contains($0.name) }.map { .flushChain($0.name) }
        operations += rewritten.map { .flushChain($0.name) }

        var additions: [String: RulesetOperation] = [:]
        for set in after.sets {
            guard let previous = oldSets[set.name], !goneSets.contains(set.name) else { continue }
            let change = SetElementDiff(from: previous, to: set, recreatedChains: goneChains)
            if let removal = change.removal { operations.append(removal) }
            additions[set.name] = change.addition
        }
        operations += before.sets.filter { goneSets.contains($0.name) }.map { .deleteSet($0.name) }
        operations += before.chains.filter { goneChains.contains($0.name) }.map { .deleteChain($0.name) }

        let createdChains = after.chains.filter { oldChains[$0.name] == nil || goneChains.contains($0.name) }
        operations += createdChains.map { .addChain($0.declaration) }
        for set in after.sets {
            if oldSets[set.name] == nil || goneSets.contains(set.name) {
                operations.append(.addSet(set.declaration))
                if !set.elements.isEmpty { operations.append(.addElements(set)) }
            } else if let addition = additions[set.name] {
                operations.append(addition)
            }
        }
        let refilled = Set((createdChains + rewritten).map(\.name))
        for chain in after.chains where refilled.contains(chain.name) {
            operations += chain.rules.map { .addRule(chain: chain.name, $0) }
        }
        return operations
    }
}
