import IPAddressing

/// Which addresses may have lost allowed traffic between two rulesets: those a verdict map sends to a
/// chain whose judgement may have narrowed. A chain narrows when its rules changed, a chain it calls
/// narrowed, or a set it looks up lost elements; an address narrows when it is newly in a map, maps
/// to another chain, or maps to a narrowed chain. Addresses that only gained allowed traffic, and
/// addresses no map holds, are left out: their connections are still allowed.
public enum RevocationScope {
    /// Every mapped address when everything may have changed: a base chain changed, or there is no
    /// previous ruleset (the agent just started; the kernel may hold connections of any earlier rules).
    public static func narrowedAddresses(from previous: Ruleset?, to current: Ruleset) -> Set<IPAddress> {
        let new = current.table
        guard let old = previous?.table, old.chains.filter({ $0.hook != nil }) == new.chains.filter({ $0.hook != nil }) else {
            return mappedAddresses(current)
        }
        let oldSets = Dictionary(old.sets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let oldChains = Dictionary(old.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newChains = Dictionary(new.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let shrunkSets = Set(new.sets.compactMap { set -> String? in
            guard let before = oldSets[set.name], before.keyType == set.keyType else { return set.name }
            return before.elements.isSubset(of: set.elements) ? nil : set.name
        })
        var narrowed: [String: Bool] = [:]
        func hasNarrowed(_ name: String, depth: Int = 0) -> Bool {
            if let known = narrowed[name] { return known }
            guard depth < 16, let chain = newChains[name], oldChains[name] == chain else { return true }
            let result = chain.rules.contains { rule in
                rule.setNames.contains(where: shrunkSets.contains)
                    || rule.chainName.map { hasNarrowed($0, depth: depth + 1) } ?? false
            }
            narrowed[name] = result
            return result
        }
        var addresses: Set<IPAddress> = []
        for map in new.sets where map.isVerdictMap {
            let before = Dictionary(oldSets[map.name]?.elements.map { ($0.key, $0.verdict) } ?? [], uniquingKeysWith: { first, _ in first })
            for element in map.elements {
                guard let address = element.singleAddress else { continue }
                let unchanged = before[element.key] == element.verdict
                if !unchanged || element.verdict.flatMap(\.chainName).map({ hasNarrowed($0) }) ?? false {
                    addresses.insert(address)
                }
            }
        }
        return addresses
    }

    /// The single addresses the ruleset's verdict maps hold: the local pods it judges.
    public static func mappedAddresses(_ ruleset: Ruleset) -> Set<IPAddress> {
        Set(ruleset.table.sets.filter(\.isVerdictMap).flatMap { $0.elements.compactMap(\.singleAddress) })
    }
}

extension SetElement {
    /// The address of a key that is one single address.
    var singleAddress: IPAddress? {
        guard key.count == 1, case .address(let range) = key[0], range.lower == range.upper else { return nil }
        return range.lower
    }
}
