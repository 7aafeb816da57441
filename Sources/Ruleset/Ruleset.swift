import IPAddressing

/// The whole nftables state the agent owns: one table. Renderers turn it into `nft -f` text or netlink
/// messages; nothing here is text, so both renderings read the same values.
public struct Ruleset: Hashable, Sendable {
    public var table: Table

    public init(table: Table) { self.table = table }
}

public struct Table: Hashable, Sendable {
    public var family: TableFamily
    public var name: String
    public var comment: String?
    /// Sets and maps, in rendering order. Rules and map elements refer to them by name.
    public var sets: [NamedSet]
    /// Counter objects, in rendering order. Rules refer to them by name.
    public var counters: [NamedCounter]
    /// Limit objects, in rendering order. Log statements refer to them by name.
    public var limits: [NamedLimit]
    /// Base chains first, then regular chains, in rendering order.
    public var chains: [Chain]

    public init(family: TableFamily, name: String, comment: String? = nil, sets: [NamedSet] = [], counters: [NamedCounter] = [],
                limits: [NamedLimit] = [], chains: [Chain] = []) {
        self.family = family
        self.name = name
        self.comment = comment
        self.sets = sets
        self.counters = counters
        self.limits = limits
        self.chains = chains
    }
}

public enum TableFamily: String, Hashable, Sendable {
    case inet
}

public struct Chain: Hashable, Sendable {
    public var name: String
    /// Present for base chains: where the kernel calls this chain.
    public var hook: BaseChainHook?
    public var comment: String?
    public var rules: [Rule]

    public init(name: String, hook: BaseChainHook? = nil, comment: String? = nil, rules: [Rule] = []) {
        self.name = name
        self.hook = hook
        self.comment = comment
        self.rules = rules
    }
}

public struct BaseChainHook: Hashable, Sendable {
    public enum Hook: String, Hashable, Sendable { case prerouting, input, forward, output, postrouting }
    public enum Policy: String, Hashable, Sendable { case accept, drop }

    public var hook: Hook
    /// Filter priority 0; dstnat is -100, so a filter chain sees packets after DNAT.
    public var priority: Int32
    public var policy: Policy

    public init(hook: Hook, priority: Int32, policy: Policy) {
        self.hook = hook
        self.priority = priority
        self.policy = policy
    }
}

public struct Rule: Hashable, Sendable {
    public var matches: [Match]
    /// Count packets and bytes that reach the action, in the rule itself.
    public var counter: Bool
    /// Add packets and bytes that reach the action to the table's named counter of this name, which
    /// many rules can share.
    public var namedCounter: String?
    /// Send the packet to a log group, after the counters and before the action.
    public var log: LogStatement?
    public var action: Action
    public var comment: String?

    public init(matches: [Match] = [], counter: Bool = false, namedCounter: String? = nil, log: LogStatement? = nil, action: Action,
                comment: String? = nil) {
        self.matches = matches
        self.counter = counter
        self.namedCounter = namedCounter
        self.log = log
        self.action = action
        self.comment = comment
    }
}
