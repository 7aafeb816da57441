/// What the diff needs to know about names: a rule or element that refers to a set, chain, counter
/// or limit being deleted must go before it, and come back after it is created again.
struct DeletedNames {
    var sets: Set<String>
    var chains: Set<String>
    var counters: Set<String>
    var limits: Set<String>

    var isEmpty: Bool { sets.isEmpty && chains.isEmpty && counters.isEmpty && limits.isEmpty }
}

extension Rule {
    /// Sets and maps this rule looks up.
    public var setNames: [String] {
        var names = matches.compactMap { match -> String? in
            if case .inSet(_, let set) = match { return set }
            return nil
        }
        if case .verdictMap(_, let map) = action { names.append(map) }
        return names
    }

    var chainName: String? {
        if case .verdict(let verdict) = action { return verdict.chainName }
        return nil
    }

    func refers(to deleted: DeletedNames) -> Bool {
        chainName.map(deleted.chains.contains) ?? false || namedCounter.map(deleted.counters.contains) ?? false
            || log?.limit.map(deleted.limits.contains) ?? false || setNames.contains(where: deleted.sets.contains)
    }
}

extension Verdict {
    /// The target of a jump or goto.
    public var chainName: String? {
        switch self {
        case .jump(let chain), .goto(let chain): return chain
        case .accept, .drop, .return: return nil
        }
    }
}

extension NamedSet {
    /// The set without its elements, as created by `addSet`.
    var declaration: NamedSet {
        var copy = self
        copy.elements = []
        return copy
    }
}

extension Chain {
    /// The chain without its rules, as created by `addChain`.
    var declaration: Chain {
        var copy = self
        copy.rules = []
        return copy
    }

    /// Whether the chain can be kept rather than recreated: every field but the rules matches.
    func isDeclared(like other: Chain) -> Bool {
        name == other.name && hook == other.hook && comment == other.comment
    }
}
