import Ruleset

/// One set element as the kernel stores it.
struct WireElement: Hashable {
    var key: [UInt8]
    /// The inclusive high end of every field, for concatenated interval sets.
    var keyEnd: [UInt8]? = nil
    /// NFT_SET_ELEM_INTERVAL_END: the first value after a range, in a one-field interval set.
    var isIntervalEnd = false
    /// The range runs to the highest value, so no end element follows; nft prints it by this flag.
    var isOpenInterval = false
    var verdict: Verdict? = nil
    /// Index of the model element this encodes, to name it in errors; nil for nft's leading boundary.
    /// Never sent.
    var origin: Int? = nil
}

/// How the kernel holds a set's elements, which decides their encoding.
enum ElementStorage {
    /// Single values (hash): one element per value.
    case values
    /// A one-field interval set (rbtree): ranges as start and end boundaries.
    case boundaries
    /// A concatenated interval set (pipapo): each element carries the low and high end of every field.
    case ranges

    init(_ set: NamedSet) {
        self = !set.isInterval ? .values : set.keyType.count == 1 ? .boundaries : .ranges
    }
}
