import ClusterModel
import Ruleset

/// The table's named counters and what each one counts, declared by the chains that add to them.
///
/// Every allow rule of a policy in a direction adds to that policy's allowed counter, and the deny rule
/// ending a chain adds to the chain's denied counter. Names follow from policies and chains only, never
/// from pods, so pod churn leaves the counters, and the values the kernel keeps in them, alone. Several
/// chains can declare one counter (a policy's allowed counter, a ClusterNetworkPolicy rule's): it lives
/// while any of them does.
struct PolicyCounters {
    /// One counter as a chain declares it.
    struct Declaration {
        var name: String
        var attribution: CounterAttribution
        var comment: String
    }

    private(set) var attribution: [String: CounterAttribution] = [:]
    /// The counter objects, sorted by name.
    private(set) var declarations: [NamedCounter] = []
    private var users: [String: Int] = [:]

    /// Readable names up to this length keep `nft list` legible; longer ones hash the policy. (The kernel
    /// takes 255 bytes, while a namespace and a policy name alone can reach 316.)
    static let readableLength = 64

    /// `allow_<namespace>_<policy>_<direction>`: Kubernetes names have no `_`, so the parts stay apart.
    static func allowedName(_ policy: ObjectReference, _ direction: Direction) -> String {
        let readable = "allow_\(policy.namespace ?? "")_\(policy.name)_\(direction.rawValue)"
        guard readable.utf8.count > readableLength else { return readable }
        return "allow_\(StableName.hash(policy.namespacedName))_\(direction.rawValue)"
    }

    static func allowed(by policy: ObjectReference, _ direction: Direction) -> Declaration {
        Declaration(name: allowedName(policy, direction),
                    attribution: CounterAttribution(policies: [policy], direction: direction, verdict: .allowed),
                    comment: nftComment("\(direction.rawValue) allowed by \(policy.namespacedName)"))
    }

    /// The counter of the deny rule ending `chain`, which enforces `policies` in `direction`.
    static func denied(inChain chain: String, policies: [ObjectReference], _ direction: Direction) -> Declaration {
        let names = policies.map(\.namespacedName).joined(separator: ", ")
        return Declaration(name: "deny_\(chain)", attribution: CounterAttribution(policies: policies, direction: direction, verdict: .denied),
                           comment: nftComment("denied \(direction.rawValue) of pods selected by \(names)"))
    }

    /// `cnp_<name>_<direction>_<index>` (`unreadable` for a stand-in's deny-all), hashed when long.
    static func clusterRuleName(_ policy: String, _ direction: Direction, _ index: Int?) -> String {
        let position = index.map(String.init) ?? "unreadable"
        let readable = "cnp_\(policy)_\(direction.rawValue)_\(position)"
        guard readable.utf8.count > readableLength else { return readable }
        return "cnp_\(StableName.hash(policy))_\(direction.rawValue)_\(position)"
    }

    /// The counter of one ClusterNetworkPolicy rule (nil `rule`: an unreadable one's stand-in).
    static func clusterRule(_ policy: ClusterNetworkPolicy, _ direction: Direction, _ rule: ClusterRuleIdentity?,
                            verdict: CounterAttribution.Verdict, comment: String) -> Declaration {
        Declaration(name: clusterRuleName(policy.name, direction, rule?.index),
                    attribution: CounterAttribution(policies: [policy.reference], direction: direction, verdict: verdict,
                                                    tier: PolicyTier(policy.tier), clusterRule: rule),
                    comment: nftComment(comment))
    }

    /// One more chain declares `counter`; the first one creates it.
    mutating func retain(_ counter: Declaration) {
        users[counter.name, default: 0] += 1
        guard users[counter.name] == 1 else { return }
        attribution[counter.name] = counter.attribution
        declarations.insertSorted(NamedCounter(name: counter.name, comment: counter.comment), by: \.name)
    }

    /// A chain declaring the counter `name` is gone; with the last one, the counter goes.
    mutating func release(_ name: String) {
        users[name, default: 0] -= 1
        guard users[name]! <= 0 else { return }
        users[name] = nil
        attribution[name] = nil
        declarations.removeSorted(named: name, by: \.name)
    }
}

extension ObjectReference {
    /// "namespace/name", as operators name policies.
    public var namespacedName: String { "\(namespace ?? "")/\(name)" }
}
