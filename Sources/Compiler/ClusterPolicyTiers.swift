import ClusterModel

/// The cluster's ClusterNetworkPolicies per tier, in evaluation order: ascending priority, then name
/// (reading §6.2 of the project's CNP notes; the API leaves ties undefined).
struct ClusterPolicyTiers {
    private(set) var admin: [ClusterNetworkPolicy] = []
    private(set) var baseline: [ClusterNetworkPolicy] = []
    /// Per namespace, the policies whose subject selects it, in order: a pod is then checked against the
    /// few of its namespace, not every policy. Kept for as long as these tiers: while any
    /// ClusterNetworkPolicy exists, a namespace's labels change only through a rebuild, which makes new tiers.
    private var byNamespace: [String: (admin: [ClusterNetworkPolicy], baseline: [ClusterNetworkPolicy])] = [:]

    init(_ policies: some Sequence<ClusterNetworkPolicy>) {
        for policy in policies.sorted(by: ClusterNetworkPolicy.precedes) {
            if policy.tier == .admin { admin.append(policy) } else { baseline.append(policy) }
        }
    }

    /// The policies whose subject selects `pod` (an enforceable pod, so never a hostNetwork one).
    mutating func selecting(_ pod: Pod, index: ClusterIndex) -> (admin: [ClusterNetworkPolicy], baseline: [ClusterNetworkPolicy]) {
        if byNamespace[pod.namespace] == nil {
            let selectsNamespace = { (policy: ClusterNetworkPolicy) in
                index.namespaceLabels[pod.namespace].map(policy.subject.namespaceSelector.matches) ?? false
            }
            byNamespace[pod.namespace] = (admin.filter(selectsNamespace), baseline.filter(selectsNamespace))
        }
        let candidates = byNamespace[pod.namespace]!
        let selectsPod = { (policy: ClusterNetworkPolicy) in policy.subject.podSelector.matches(pod.labels) }
        return (candidates.admin.filter(selectsPod), candidates.baseline.filter(selectsPod))
    }
}

extension ClusterPolicySubject {
    /// An absent or empty namespaceSelector selects every namespace (a CNP has no namespace of its own).
    var namespaceSelector: LabelSelector {
        switch self {
        case .namespaces(let namespaces), .pods(let namespaces, _): return namespaces
        }
    }

    var podSelector: LabelSelector {
        switch self {
        case .namespaces: return .everything
        case .pods(_, let pods): return pods
        }
    }
}

extension ClusterNetworkPolicy {
    /// A policy with no rules in a direction does not affect it (no implicit isolation); an unreadable
    /// one's stand-in denies both.
    func hasRules(_ direction: Direction) -> Bool { unreadable != nil || !rules(direction).isEmpty }

    func rules(_ direction: Direction) -> [ClusterPolicyRule] { direction == .ingress ? ingress : egress }
}
