import Ruleset

/// The registry's sets by name, remembering which ones changed (elements, declaration, added or
/// forgotten) since `takeChanged()`: the table listing copies only those again (`TableListing`).
struct TrackedSets {
    private var byName: [String: NamedSet] = [:]
    private var changed: Set<String> = []

    subscript(name: String) -> NamedSet? {
        get { byName[name] }
        set {
            changed.insert(name)
            byName[name] = newValue
        }
        // In place: a set shared with the last ruleset is then copied once, not once per element.
        _modify {
            changed.insert(name)
            yield &byName[name]
        }
    }

    var count: Int { byName.count }
    var values: Dictionary<String, NamedSet>.Values { byName.values }

    /// The names changed since the last call.
    mutating func takeChanged() -> Set<String> {
        defer { changed = [] }
        return changed
    }
}
