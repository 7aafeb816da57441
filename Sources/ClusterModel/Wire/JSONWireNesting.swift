/// The brackets a skip has opened and not yet closed, innermost last: one bit a level (set for an
/// object, clear for an array) in four words, enough for the reader's 256 levels, without allocating.
struct JSONWireNesting {
    private var kinds = SIMD4<UInt64>()
    /// Levels open.
    private(set) var count = 0

    /// Opens a level; the caller keeps `count` below `JSONWireReader.maximumDepth`.
    @inline(__always)
    mutating func open(object: Bool) {
        let word = count &>> 6, bit = UInt64(1) &<< UInt64(count & 63)
        kinds[word] = object ? kinds[word] | bit : kinds[word] & ~bit
        count &+= 1
    }

    @inline(__always)
    mutating func close() { count &-= 1 }

    /// Whether the innermost open level is an object; nil when none is open.
    @inline(__always)
    var innermostIsObject: Bool? {
        guard count > 0 else { return nil }
        let level = count &- 1
        return kinds[level &>> 6] &>> UInt64(level & 63) & 1 != 0
    }
}
