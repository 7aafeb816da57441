import ClusterModel

/// The cluster's ClusterNetworkPolicies per tier, in evaluation order: ascending priority, then name
/// (reading §6.2 of the project's CNP notes; the API leaves ties undefined).
struct ClusterPolicyTiers {
    private(set) var admin: [ClusterNetworkPolicy] = []
    private(set) var baseline: [ClusterNetworkPolicy] = []

    init(_ policies: some Sequence<ClusterNetworkPolicy>) {
        for policy in policies.sorted(by: ClusterNetworkPolicy.precedes) {
            if policy.tier == .admin { admin.append(policy) } else { baseline.append(policy) }
        }
    }

    /// The policies whose subject selects `pod` (an enforceable pod, so never a hostNetwork one).
    func selecting(_ pod: Pod, index: ClusterIndex) -> (admin: [ClusterNetworkPolicy], baseline: [ClusterNetworkPolicy]) {
        (admin.filter { $0.subject.selects(pod, index: index) }, baseline.filter { $0.subject.selects(pod, index: index) })
    }
}

extension ClusterPolicySubject {
    /// An absent or empty namespaceSelector selects every namespace (a CNP has no namespace of its own).
    func selects(_ pod: Pod, index: ClusterIndex) -> Bool {
        switch self {
        case .namespaces(let namespaces): return index.selects(pod, scope: .selected(namespaces), selector: .everything)
        case .pods(let namespaces, let pods): return index.selects(pod, scope: .selected(namespaces), selector: pods)
        }
    }
}

extension ClusterNetworkPolicy {
    /// A policy with no rules in a direction does not affect it (no implicit isolation); an unreadable
    /// one's stand-in denies both.
    func hasRules(_ direction: Direction) -> Bool { unreadable != nil || !rules(direction).isEmpty }

    func rules(_ direction: Direction) -> [ClusterPolicyRule] { direction == .ingress ? ingress : egress }
}
