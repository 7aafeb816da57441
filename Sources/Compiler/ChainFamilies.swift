import ClusterModel
import IPAddressing
import Ruleset

/// The address families of the pods a policy chain serves.
///
/// A local pod's chains are entered only through the verdict map of a family it has an address in
/// (its elements are its addresses), and a tier chain hands over only to the next chain of the same
/// pod. So a chain for single-stack pods leaves out the rules that test the other family: they could
/// never match there. In a single-stack cluster that about halves the rules, and the sets only those rules
/// look up leave the table. Each rule the kernel adds costs a walk of the table's set list for every
/// set it looks up, and a commit that adds a verdict map element validates every rule of the table.
struct ChainFamilies: Hashable {
    /// The one family of the pods; nil when they have addresses in both.
    let only: IPFamily?

    static let both = ChainFamilies(only: nil)

    private init(only: IPFamily?) { self.only = only }

    init(of pod: Pod) {
        let families = Set(pod.addresses.map(\.family))
        only = families.count == 1 ? families.first : nil
    }

    /// Told apart in the chain's name, since the rules differ: nothing for dual-stack pods, so their
    /// chains keep the names they had.
    var nameSuffix: String { only.map { "_\($0.rawValue)" } ?? "" }

    /// Whether the chain holds `rule`.
    func admits(_ rule: Rule) -> Bool {
        guard let only, let family = rule.addressFamily else { return true }
        return family == only
    }
}
