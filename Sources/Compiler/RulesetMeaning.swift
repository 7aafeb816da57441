import ClusterModel
import IPAddressing

/// What the chains, rules and sets of a compiled table stand for, in the policies' terms, so a tool
/// that walks the table (`agent explain`) can say which policy rule decided and why others did not,
/// without reading comments or the policies again (see `NodeCompiler.meaning`).
public struct RulesetMeaning: Sendable {
    /// Policy chains by name.
    public var chains: [String: ChainMeaning]
    /// Sets that rules look up, by name.
    public var sets: [String: SetMeaning]
    /// The verdict maps that send a local pod to its chain, by name: which direction each judges.
    public var dispatchMaps: [String: Direction]

    public init(chains: [String: ChainMeaning] = [:], sets: [String: SetMeaning] = [:], dispatchMaps: [String: Direction] = [:]) {
        self.chains = chains
        self.sets = sets
        self.dispatchMaps = dispatchMaps
    }
}

/// A chain of one tier's policies for a group of local pods in one direction: the NetworkPolicies
/// isolating them, or the Admin or Baseline ClusterNetworkPolicies selecting them.
public struct ChainMeaning: Hashable, Sendable {
    public var direction: Direction
    public var tier: PolicyTier
    /// The policies, in the order the chain tries their rules.
    public var policies: [ObjectReference]
    /// One entry per rule of the chain, in chain order.
    public var rules: [RuleMeaning]

    public init(direction: Direction, tier: PolicyTier, policies: [ObjectReference], rules: [RuleMeaning]) {
        self.direction = direction
        self.tier = tier
        self.policies = policies
        self.rules = rules
    }
}

public enum RuleMeaning: Hashable, Sendable {
    /// Part of a policy rule: it allows (`return`s) what it matches.
    case allows(PolicyRuleReference)
    /// The end of a NetworkPolicy chain: what no rule of its policies allows is denied.
    case deniesTheRest
    /// Part of a ClusterNetworkPolicy rule: its action decides what it matches (Pass hands it on).
    case clusterRule(ClusterRuleReference)
    /// The end of an Admin chain: no rule decided, the next tier judges.
    case nextTier
}

/// One rule of a ClusterNetworkPolicy, as the ruleset's comments name it.
public struct ClusterRuleReference: Hashable, Sendable, CustomStringConvertible {
    public var policy: String
    public var tier: PolicyTier
    public var priority: Int
    public var direction: Direction
    /// nil for the stand-in of an unreadable policy, which denies everything.
    public var rule: ClusterRuleIdentity?

    public init(policy: String, tier: PolicyTier, priority: Int, direction: Direction, rule: ClusterRuleIdentity?) {
        self.policy = policy
        self.tier = tier
        self.priority = priority
        self.direction = direction
        self.rule = rule
    }

    /// `ClusterNetworkPolicy deny-sensitive (Admin, priority 10) egress[0] "deny-vault": Deny`.
    public var description: String {
        let label = "ClusterNetworkPolicy \(policy) (\(tier.rawValue), priority \(priority)) \(direction.rawValue)"
        guard let rule else { return "\(label): unreadable, denies all" }
        return "\(label)[\(rule.index)]\(rule.name.map { " \"\($0)\"" } ?? ""): \(rule.action.rawValue)"
    }
}

/// One ingress or egress rule of a NetworkPolicy, as the ruleset's comments name it.
public struct PolicyRuleReference: Hashable, Sendable, CustomStringConvertible {
    public var policy: ObjectReference
    public var direction: Direction
    public var index: Int

    public init(policy: ObjectReference, direction: Direction, index: Int) {
        self.policy = policy
        self.direction = direction
        self.index = index
    }

    /// `namespace/name direction[index]`.
    public var description: String { "\(policy.namespacedName) \(direction.rawValue)[\(index)]" }
}

/// What a set's elements stand for.
public enum SetMeaning: Hashable, Sendable {
    /// Addresses of the pods a `pods` peer selects.
    case pods(namespaces: NamespaceScope, pods: LabelSelector)
    /// The addresses of an ipBlock: its cidr less its excepts.
    case ipBlock(IPBlock)
    /// Pod addresses with the number their containerPort of this name has: of one protocol, or
    /// (ClusterNetworkPolicy) each with its own protocol when `proto` is nil.
    case namedPort(name: String, proto: L4Protocol?)
    /// The CIDRs of a ClusterNetworkPolicy `networks` peer.
    case networks([CIDR])
    /// The addresses of the Nodes a ClusterNetworkPolicy `nodes` peer selects.
    case nodes(LabelSelector)
    /// Protocol and port ranges of one rule.
    case ports([ProtocolPorts])
    /// What any of these holds: the ipBlocks of one rule and family, in one set.
    case anyOf([SetMeaning])
}

public struct ProtocolPorts: Hashable, Sendable, CustomStringConvertible {
    public var proto: L4Protocol
    public var ports: ClosedRange<UInt16>

    public init(proto: L4Protocol, ports: ClosedRange<UInt16>) {
        self.proto = proto
        self.ports = ports
    }

    public var description: String { "\(proto.kubernetesName) \(portText(ports))" }
}
