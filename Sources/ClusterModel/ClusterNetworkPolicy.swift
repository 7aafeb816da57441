import IPAddressing

/// A validated policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy: a cluster administrator's
/// rules, evaluated before NetworkPolicies (Admin tier) or after them (Baseline tier).
/// Schema: kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go.
public struct ClusterNetworkPolicy: Hashable, Sendable {
    public enum Tier: String, Hashable, Sendable, CaseIterable, Comparable {
        case admin = "Admin", baseline = "Baseline"

        public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs == .admin && rhs == .baseline }
    }

    public var name: String
    public var tier: Tier
    /// 0...1000; lower is evaluated first within the tier (ties: by name).
    public var priority: Int
    public var subject: ClusterPolicySubject
    /// In precedence order: the first rule that matches decides.
    public var ingress: [ClusterPolicyRule]
    public var egress: [ClusterPolicyRule]
    /// Set on the stand-in for a policy the agent cannot read: why ("field: problem").
    public var unreadable: String?

    public init(name: String, tier: Tier, priority: Int, subject: ClusterPolicySubject,
                ingress: [ClusterPolicyRule] = [], egress: [ClusterPolicyRule] = [], unreadable: String? = nil) {
        self.name = name
        self.tier = tier
        self.priority = priority
        self.subject = subject
        self.ingress = ingress
        self.egress = egress
        self.unreadable = unreadable
    }

    public var reference: ObjectReference { ObjectReference(kind: "ClusterNetworkPolicy", namespace: nil, name: name) }

    /// Evaluation order within a tier: ascending priority, then name (the API leaves ties undefined;
    /// kube-network-policies breaks them by name too).
    public static func precedes(_ lhs: ClusterNetworkPolicy, _ rhs: ClusterNetworkPolicy) -> Bool {
        (lhs.tier, lhs.priority, lhs.name) < (rhs.tier, rhs.priority, rhs.name)
    }
}

/// The pods a ClusterNetworkPolicy applies to. hostNetwork pods are never subjects.
public enum ClusterPolicySubject: Hashable, Sendable {
    /// Every pod in the matching namespaces.
    case namespaces(LabelSelector)
    /// Pods matching `pods` in namespaces matching `namespaces` (absent or `{}`: every namespace).
    case pods(namespaces: LabelSelector, pods: LabelSelector)
}

/// One ingress or egress rule of a ClusterNetworkPolicy.
public struct ClusterPolicyRule: Hashable, Sendable {
    public enum Action: String, Hashable, Sendable, CaseIterable {
        /// Allowed in this direction; the other direction is still judged.
        case accept = "Accept"
        case deny = "Deny"
        /// Skip the rest of this tier.
        case pass = "Pass"
    }

    /// Optional in the API (at most 100 characters).
    public var name: String?
    public var action: Action
    /// The rule matches traffic from or to any of these.
    public var peers: [ClusterPolicyPeer]
    /// nil: every protocol and port.
    public var protocols: [ClusterPolicyProtocol]?
    /// Set when a peer or protocol had no field this agent knows (written against a newer CRD, or an
    /// unimplemented one such as `domainNames`): the rule then fails closed as the API asks: an
    /// Accept rule matches nothing, a Deny or Pass rule denies all traffic in its direction.
    public var failsClosed: String?

    public init(name: String? = nil, action: Action, peers: [ClusterPolicyPeer],
                protocols: [ClusterPolicyProtocol]? = nil, failsClosed: String? = nil) {
        self.name = name
        self.action = action
        self.peers = peers
        self.protocols = protocols
        self.failsClosed = failsClosed
    }
}

public enum ClusterPolicyPeer: Hashable, Sendable {
    /// Every (non-hostNetwork) pod in the matching namespaces.
    case namespaces(LabelSelector)
    /// Pods matching `pods` in namespaces matching `namespaces`; hostNetwork pods excluded.
    case pods(namespaces: LabelSelector, pods: LabelSelector)
    /// Egress only: any address in these CIDRs, pod addresses included.
    case networks([CIDR])
    /// Egress only: every IP in the `status.addresses` of the matching Nodes (so hostNetwork pods too).
    case nodes(LabelSelector)
}

public enum ClusterPolicyProtocol: Hashable, Sendable {
    /// `tcp`/`udp`/`sctp` with `destinationPort` (a number is a one-port range).
    case ports(L4Protocol, ClosedRange<UInt16>)
    /// `destinationNamedPort`: a containerPort name on the destination pod, with its own protocol.
    case namedPort(String)
}
