/// The brackets a skip has opened and not yet closed: one bit a level (set for an object, clear for
/// an array), enough for the reader's 256 levels, without allocating. The innermost 64 levels live in
/// a word of their own, innermost in bit 0, which stays in a register while a skip runs: opening and
/// closing a level is a shift. Only levels deeper than 64 spill the outermost bit to `spilled`.
struct JSONWireNesting {
    /// Levels `count - 64 ..< count` (those that are open), level `count - 1 - i` in bit `i`.
    private var innermost: UInt64 = 0
    /// Levels `0 ..< count - 64`, level `l` in bit `l & 63` of word `l >> 6`.
    private var spilled = SIMD4<UInt64>()
    /// Levels open.
    private(set) var count = 0

    /// Opens a level; the caller keeps `count` below `JSONWireReader.maximumDepth`.
    @inline(__always)
    mutating func open(object: Bool) {
        if count >= 64 { spill() }
        innermost = innermost &<< 1 | (object ? 1 : 0)
        count &+= 1
    }

    @inline(__always)
    mutating func close() {
        count &-= 1
        innermost &>>= 1
        if count >= 64 { unspill() }
    }

    /// Whether the innermost open level is an object; nil when none is open.
    @inline(__always)
    var innermostIsObject: Bool? {
        guard count > 0 else { return nil }
        return innermost & 1 != 0
    }

    /// Moves level `count - 64`, about to leave the word, to `spilled`.
    @inline(never)
    private mutating func spill() {
        let level = count &- 64, bit = UInt64(1) &<< UInt64(level & 63)
        spilled[level &>> 6] = innermost >> 63 != 0 ? spilled[level &>> 6] | bit : spilled[level &>> 6] & ~bit
    }

    /// Brings level `count - 64` back from `spilled` into the word's top bit.
    @inline(never)
    private mutating func unspill() {
        let level = count &- 64
        innermost |= (spilled[level &>> 6] &>> UInt64(level & 63) & 1) &<< 63
    }
}
