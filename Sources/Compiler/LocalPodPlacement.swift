import Ruleset

/// What one local pod adds to the table: the chains its paths go through, held in the `ChainStore`
/// while the pod stays, and the verdict map elements that send its addresses to them. Placing a pod
/// again after a change releases the old placement and takes the new one, so the table changes by the
/// difference.
struct LocalPodPlacement {
    var chains: [String] = []
    var elements: [VerdictMapElement] = []
}

struct VerdictMapElement {
    var map: String
    var element: SetElement
}
