import ClusterModel
import Ruleset

/// The table's named counters and what each one counts, gathered while the chains are built.
///
/// Every allow rule of a policy in a direction adds to that policy's allowed counter, and the deny rule
/// ending a chain adds to the chain's denied counter. Names follow from policies and chains only, never
/// from pods, so pod churn leaves the counters, and the values the kernel keeps in them, alone.
struct PolicyCounters {
    private(set) var attribution: [String: CounterAttribution] = [:]
    private var comments: [String: String] = [:]

    /// Readable names up to this length keep `nft list` legible; longer ones hash the policy. (The kernel
    /// takes 255 bytes, while a namespace and a policy name alone can reach 316.)
    static let readableLength = 64

    /// `allow_<namespace>_<policy>_<direction>`: Kubernetes names have no `_`, so the parts stay apart.
    static func allowedName(_ policy: ObjectReference, _ direction: Direction) -> String {
        let readable = "allow_\(policy.namespace ?? "")_\(policy.name)_\(direction.rawValue)"
        guard readable.utf8.count > readableLength else { return readable }
        return "allow_\(StableName.hash(policy.namespacedName))_\(direction.rawValue)"
    }

    mutating func countAllowed(by policy: ObjectReference, _ direction: Direction) {
        let name = Self.allowedName(policy, direction)
        attribution[name] = CounterAttribution(policies: [policy], direction: direction, verdict: .allowed)
        comments[name] = nftComment("\(direction.rawValue) allowed by \(policy.namespacedName)")
    }

    /// The counter of the deny rule ending `chain`, which enforces `policies` in `direction`.
    mutating func countDenied(inChain chain: String, policies: [ObjectReference], _ direction: Direction) -> String {
        let name = "deny_\(chain)"
        attribution[name] = CounterAttribution(policies: policies, direction: direction, verdict: .denied)
        let names = policies.map(\.namespacedName).joined(separator: ", ")
        comments[name] = nftComment("denied \(direction.rawValue) of pods selected by \(names)")
        return name
    }

    /// `cnp_<name>_<direction>_<index>` (`unreadable` for a stand-in's deny-all), hashed when long.
    static func clusterRuleName(_ policy: String, _ direction: Direction, _ index: Int?) -> String {
        let position = index.map(String.init) ?? "unreadable"
        let readable = "cnp_\(policy)_\(direction.rawValue)_\(position)"
        guard readable.utf8.count > readableLength else { return readable }
        return "cnp_\(StableName.hash(policy))_\(direction.rawValue)_\(position)"
    }

    /// The counter of one ClusterNetworkPolicy rule (nil `rule`: an unreadable one's stand-in).
    mutating func countClusterRule(_ policy: ClusterNetworkPolicy, _ direction: Direction, _ rule: ClusterRuleIdentity?,
                                   verdict: CounterAttribution.Verdict, comment: String) {
        let name = Self.clusterRuleName(policy.name, direction, rule?.index)
        attribution[name] = CounterAttribution(policies: [policy.reference], direction: direction, verdict: verdict,
                                               tier: PolicyTier(policy.tier), clusterRule: rule)
        comments[name] = nftComment(comment)
    }

    /// The counter objects, by name.
    var declarations: [NamedCounter] {
        comments.keys.sorted().map { NamedCounter(name: $0, comment: comments[$0]) }
    }
}

extension ObjectReference {
    /// "namespace/name", as operators name policies.
    public var namespacedName: String { "\(namespace ?? "")/\(name)" }
}
