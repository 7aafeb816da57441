import Ruleset

/// The kernel sizes the programmer declares its larger sets with.
///
/// A hash set declared without a size starts small and grows while elements arrive, each insert taking
/// the slow path while a resize is pending (net/netfilter/nft_set_hash.c: `NFT_RHASH_ELEMENT_HINT`); a
/// full write of a large cluster spent much of its kernel time there. A set declared with a size starts
/// at that size, but may hold no more: an insert past the size plus what the same transaction deletes
/// fails with ENFILE (net/netfilter/nf_tables_api.c: `nft_add_set_elem`, `nft_set_maxsize`). Kernels
/// before 6.5 cannot change the size of a set in place ("netfilter: nf_tables: permit update of set
/// size"), so a set about to outgrow its size is given a larger one, which makes `RulesetDiff` delete it
/// and create it again with the rules that look it up, in the same transaction.
///
/// Sizes are taken from what the kernel holds (the base of the diff), never from an earlier wish: after
/// a failed apply the base is read back, so a retry sizes from the desired counts again.
enum SetSizing {
    /// Smaller sets stay unsized: their growth costs little, and a size would only risk a recreate.
    static let smallestSized = 64

    /// `desired` with the kernel size each set gets, given the table the kernel holds (nil: none, or
    /// replaced whole). A set the kernel holds keeps its size (or its lack of one) while its elements
    /// fit; only a new or recreated set, or one that outgrows its size, is sized from its count.
    static func sized(_ desired: Ruleset, kernel: Ruleset?) -> Ruleset {
        let kernelSets = kernel?.table.sets ?? []
        // A pod event applies hundreds of sets, nearly all the very values the kernel holds: they are
        // read in place through buffers, as an array's subscript would retain each one.
        let changes = desired.table.sets.withUnsafeBufferPointer { sets in
            kernelSets.withUnsafeBufferPointer { held in
                var found = HeldSets(held)
                var changes: [(index: Int, set: NamedSet)] = []
                for index in sets.indices where !found.holds(sets[index], near: index) {
                    // Ranges are stored differently by each backend and kernel (nft_set_rbtree.c counts a range
                    // as two elements, and from 6.14 doubles the size it is given): interval sets stay unsized.
                    guard !sets[index].isInterval else { continue }
                    let resolved = self.resolved(sets[index], held: found.set(like: sets[index], near: index))
                    if !resolved.isIdentical(to: sets[index]) { changes.append((index, resolved)) }
                }
                return changes
            }
        }
        guard !changes.isEmpty else { return desired }
        var sized = desired
        for (index, set) in changes { sized.table.sets[index] = set }
        return sized
    }

    /// `set` with the size it gets; the kernel's own value when that holds the same elements, so that the
    /// diff finds the two identical without comparing them.
    private static func resolved(_ set: NamedSet, held: NamedSet?) -> NamedSet {
        let count = set.elements.count
        var size = fresh(count)
        if let held, held.kernelSize.map({ count <= Int($0) }) ?? true, set.isDeclared(likeApartFromKernelSize: held) {
            if held.kernelSize != set.kernelSize, held.elements == set.elements { return held }
            size = held.kernelSize
        }
        guard size != set.kernelSize else { return set }
        var resized = set
        resized.kernelSize = size
        return resized
    }

    /// Twice the count, to a power of two: the set may double before it is created again.
    static func fresh(_ count: Int) -> UInt32? {
        guard count >= smallestSized else { return nil }
        return UInt32(min(1 << 31, (2 * count).nextPowerOfTwo))
    }
}

/// The kernel's sets, found by name. Both tables list sets in the compiler's order, so a set is mostly at
/// the same position, or shifted by the few sets created or deleted before it: only a set found near
/// neither costs a lookup by name.
private struct HeldSets {
    private let sets: UnsafeBufferPointer<NamedSet>
    private var shift = 0
    private var byName: [String: Int]?
    private var sizedByName: [String: Int]?

    init(_ sets: UnsafeBufferPointer<NamedSet>) { self.sets = sets }

    /// Whether the kernel holds this very value near where the last set was found: nothing to read.
    mutating func holds(_ set: NamedSet, near index: Int) -> Bool {
        for distance in Self.distances {
            let guess = index + shift + distance
            if sets.indices.contains(guess), sets[guess].isIdentical(to: set) {
                shift += distance
                return true
            }
        }
        return false
    }

    private static let distances = [0, 1, -1, 2, -2, 3, -3, 4, -4]

    /// The kernel's set of the same name. For a set too small to be sized, only a sized one matters (an
    /// unsized one or none leaves it unsized alike), and the few sized ones are indexed apart: a new set
    /// costs no index of every name.
    mutating func set(like set: NamedSet, near index: Int) -> NamedSet? {
        guard let found = position(of: set, near: index) else { return nil }
        shift = found - index
        return sets[found]
    }

    private mutating func position(of set: NamedSet, near index: Int) -> Int? {
        let name = set.name
        if sets.indices.contains(index + shift), sets[index + shift].name == name { return index + shift }
        if sets.indices.contains(index), sets[index].name == name { return index }
        if set.elements.count < SetSizing.smallestSized {
            if sizedByName == nil { sizedByName = names(at: sets.indices.filter { sets[$0].kernelSize != nil }) }
            return sizedByName![name]
        }
        if byName == nil { byName = names(at: Array(sets.indices)) }
        return byName![name]
    }

    private func names(at positions: [Int]) -> [String: Int] {
        Dictionary(positions.map { (sets[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

private extension Int {
    var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
