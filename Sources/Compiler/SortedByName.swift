/// Lists the table keeps sorted by name (chains, counters, set names), changed one entry at a time:
/// a binary search instead of sorting the whole list again for every pod that comes or goes.
extension Array {
    /// Where an element named `name` is, or would go, in this array sorted by `name(of:)`.
    func sortedIndex(of name: String, by nameOf: (Element) -> String) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if nameOf(self[middle]) < name { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insertSorted(_ element: Element, by nameOf: (Element) -> String) {
        insert(element, at: sortedIndex(of: nameOf(element), by: nameOf))
    }

    mutating func removeSorted(named name: String, by nameOf: (Element) -> String) {
        let index = sortedIndex(of: name, by: nameOf)
        if index < count, nameOf(self[index]) == name { remove(at: index) }
    }
}
