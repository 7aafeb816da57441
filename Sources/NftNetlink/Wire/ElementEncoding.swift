import Ruleset

/// Set elements of the model ↔ elements on the wire, encoded as nft 1.0.6 does.
enum ElementEncoding {
    /// Additions to a one-field interval set start, as nft's do for a new set, with an end boundary at 0
    /// unless the first range starts there; `RulesetDiff` empties such a set before refilling it.
    /// Deletions carry keys only.
    static func encode(_ set: NamedSet, adding: Bool) -> [WireElement] {
        let wire = elements(set, adding: adding)
        return adding ? wire : wire.map { element in
            var key = element
            key.verdict = nil
            return key
        }
    }

    private static func elements(_ set: NamedSet, adding: Bool) -> [WireElement] {
        let layout = KeyLayout(set.keyType)
        switch ElementStorage(set) {
        case .values:
            return set.elements.enumerated().map { index, element in
                WireElement(key: layout.key(element.key, high: false), verdict: element.verdict, origin: index)
            }
        case .ranges:
            return set.elements.enumerated().map { index, element in
                WireElement(key: layout.key(element.key, high: false), keyEnd: layout.key(element.key, high: true),
                            verdict: element.verdict, origin: index)
            }
        case .boundaries:
            return boundaries(set, layout: layout, adding: adding)
        }
    }

    private static func boundaries(_ set: NamedSet, layout: KeyLayout, adding: Bool) -> [WireElement] {
        let sorted = set.elements.enumerated().sorted { $0.element < $1.element }
        var wire: [WireElement] = []
        if adding, let first = sorted.first, layout.key(first.element.key, high: false).contains(where: { $0 != 0 }) {
            wire.append(WireElement(key: [UInt8](repeating: 0, count: layout.keyLength), isIntervalEnd: true))
        }
        for (index, element) in sorted {
            var start = WireElement(key: layout.key(element.key, high: false), verdict: element.verdict, origin: index)
            guard let end = successor(layout.key(element.key, high: true)) else {
                start.isOpenInterval = true
                wire.append(start)
                continue
            }
            wire += [start, WireElement(key: end, isIntervalEnd: true, origin: index)]
        }
        return wire
    }

    static func decode(_ wire: [WireElement], of set: NamedSet) throws(WireDecodingError) -> [SetElement] {
        let layout = KeyLayout(set.keyType)
        switch ElementStorage(set) {
        case .values:
            return try wire.map { element throws(WireDecodingError) in
                SetElement(key: try layout.parts(low: element.key, high: nil), verdict: element.verdict)
            }
        case .ranges:
            return try wire.map { element throws(WireDecodingError) in
                guard let end = element.keyEnd else { throw .unexpected("interval element without an end key") }
                return SetElement(key: try layout.parts(low: element.key, high: end), verdict: element.verdict)
            }
        case .boundaries:
            return try ranges(wire, layout: layout)
        }
    }

    /// Pairs each start with the end boundary after it; a start with none runs to the highest value.
    private static func ranges(_ wire: [WireElement], layout: KeyLayout) throws(WireDecodingError) -> [SetElement] {
        // An end sorts before a start with the same key: touching ranges share that key.
        let sorted = wire.sorted { left, right in
            left.key == right.key ? left.isIntervalEnd && !right.isIntervalEnd : left.key.lexicographicallyPrecedes(right.key)
        }
        var elements: [SetElement] = [], start: WireElement?
        for element in sorted {
            if !element.isIntervalEnd {
                if start != nil { throw .unexpected("two interval starts without an end") }
                start = element
            } else if let open = start, let last = predecessor(element.key) {
                elements.append(SetElement(key: try layout.parts(low: open.key, high: last), verdict: open.verdict))
                start = nil
            }
        }
        if let open = start {
            let highest = [UInt8](repeating: 0xff, count: layout.keyLength)
            elements.append(SetElement(key: try layout.parts(low: open.key, high: highest), verdict: open.verdict))
        }
        return elements
    }

    /// The big-endian value plus one, or nil past the highest.
    static func successor(_ bytes: [UInt8]) -> [UInt8]? {
        var result = bytes
        for index in result.indices.reversed() {
            if result[index] == 0xff { result[index] = 0 } else { result[index] += 1; return result }
        }
        return nil
    }

    static func predecessor(_ bytes: [UInt8]) -> [UInt8]? {
        var result = bytes
        for index in result.indices.reversed() {
            if result[index] == 0 { result[index] = 0xff } else { result[index] -= 1; return result }
        }
        return nil
    }
}
