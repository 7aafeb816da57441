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
        var sized = desired
        let kernelSets = kernel?.table.sets ?? []
        var byName: [String: Int]?
        for index in desired.table.sets.indices {
            let set = desired.table.sets[index]
            // Ranges are stored differently by each backend and kernel (nft_set_rbtree.c counts a range as
            // two elements, and from 6.14 doubles the size it is given): interval sets stay unsized.
            guard !set.isInterval else { continue }
            let held: NamedSet?
            if index < kernelSets.count, kernelSets[index].isIdentical(to: set) {
                continue  // the very value the kernel holds: same size
            } else if index < kernelSets.count, kernelSets[index].name == set.name {
                held = kernelSets[index]
            } else {
                if byName == nil { byName = Dictionary(kernelSets.indices.map { (kernelSets[$0].name, $0) }, uniquingKeysWith: { first, _ in first }) }
                held = byName![set.name].map { kernelSets[$0] }
            }
            let size = kernelSize(of: set, held: held)
            if size != set.kernelSize { sized.table.sets[index].kernelSize = size }
        }
        return sized
    }

    private static func kernelSize(of set: NamedSet, held: NamedSet?) -> UInt32? {
        let count = set.elements.count
        if let held, held.kernelSize.map({ count <= Int($0) }) ?? true, isDeclared(set, like: held) { return held.kernelSize }
        return fresh(count)
    }

    /// Whether the kernel's set can be kept for `set`: declared alike but for the size.
    private static func isDeclared(_ set: NamedSet, like held: NamedSet) -> Bool {
        guard set.kernelSize != held.kernelSize else { return set.isDeclared(like: held) }
        var resized = set
        resized.kernelSize = held.kernelSize
        return resized.isDeclared(like: held)
    }

    /// Twice the count, to a power of two: the set may double before it is created again.
    static func fresh(_ count: Int) -> UInt32? {
        guard count >= smallestSized else { return nil }
        return UInt32(min(1 << 31, (2 * count).nextPowerOfTwo))
    }
}

private extension Int {
    var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
