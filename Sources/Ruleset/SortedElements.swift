import HashTreeCollections
import IPAddressing

/// A set's elements in `SetElement` order, as renderers list them: `elements.sorted()`, but sorting a
/// small key per element rather than the elements, which keep their keys inline and are large to move,
/// and without a sorted copy of them. The key is the first key part's kind and lower bound, which tell
/// nearly every two elements of a set apart (keys compare part by part); elements it does not tell apart
/// compare whole.
struct SortedElements: RandomAccessCollection {
    private let elements: [SetElement]
    private let order: [Int]

    init(_ set: TreeSet<SetElement>) {
        let elements = Array(set)
        var keys = elements.indices.map { SortKey(elements[$0].key, index: $0) }
        keys.sort { left, right in
            if left.rank != right.rank { return left.rank < right.rank }
            if left.lower != right.lower { return left.lower < right.lower }
            return elements[left.index] < elements[right.index]
        }
        self.elements = elements
        order = keys.map(\.index)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { order.count }
    subscript(position: Int) -> SetElement { elements[order[position]] }
}

/// Where an element's key sorts as far as its first part's kind and lower bound tell: a smaller
/// (rank, lower) is a smaller first part, and so a smaller key.
private struct SortKey {
    /// IPv4 addresses, IPv6 addresses, then any other part (protocols, then ports: compared whole). The
    /// empty key ranks with IPv4 address 0, before it when compared whole.
    var rank: UInt8
    var lower: UInt128
    var index: Int

    init(_ key: SetKey, index: Int) {
        self.index = index
        switch key.first {
        case .address(let range)?:
            switch range.lower {
            case .v4(let value): (rank, lower) = (0, UInt128(value))
            case .v6(let value): (rank, lower) = (1, value)
            }
        case nil: (rank, lower) = (0, 0)
        default: (rank, lower) = (2, 0)
        }
    }
}
