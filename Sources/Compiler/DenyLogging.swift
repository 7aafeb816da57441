import Ruleset

/// `--log-denied`: every deny rule also sends the packet to an nfnetlink_log group, through one limit
/// object the whole node shares, so a flood costs at most `packetsPerSecond` log messages (plus `burst`).
///
/// A deny becomes two rules with the same matches and action:
/// 1. `counter name C limit name "deny_log" log prefix "C" group G <deny>`: the policy's counter counts
///    every denied packet; while the limit has tokens the packet is logged and denied here.
/// 2. `counter name "deny_log_suppressed" <deny>`: over the rate the limit ends rule 1 before its log
///    and action (NFT_BREAK, linux net/netfilter/nft_limit.c `nft_limit_obj_pkts_eval`), so the packet
///    is denied here, and counted as suppressed.
/// Either way the same action denies the packet, whether or not anyone reads the group: nfnetlink_log
/// drops a message it has no listener or no buffer room for (net/netfilter/nfnetlink_log.c `nfulnl_log_packet`).
/// The log prefix is the deny rule's counter name, which `NodeCompiler.denyLogAttribution` maps back to
/// its policies, tier and rule.
public struct DenyLogging: Hashable, Sendable {
    public static let defaultGroup: UInt16 = 100
    public static let defaultPacketsPerSecond: UInt64 = 20
    public static let defaultBurst: UInt32 = 50
    /// The limit object every logging rule draws from.
    public static let limitName = "deny_log"
    /// The counter of denied packets the limit kept from the log.
    public static let suppressedCounterName = "deny_log_suppressed"

    public var group: UInt16
    public var packetsPerSecond: UInt64
    public var burst: UInt32

    public init(group: UInt16 = defaultGroup, packetsPerSecond: UInt64 = defaultPacketsPerSecond, burst: UInt32 = defaultBurst) {
        self.group = group
        self.packetsPerSecond = packetsPerSecond
        self.burst = burst
    }

    var limit: NamedLimit {
        NamedLimit(name: Self.limitName, packetsPerSecond: packetsPerSecond, burst: burst,
                   comment: "deny logs of this node, to nflog group \(group)")
    }

    static let suppressedCounter = NamedCounter(name: suppressedCounterName,
                                                comment: "denied packets not logged: over the deny log rate")

    /// The logging deny and, after it, the deny of what the limit kept from the log.
    func rules(denying deny: Rule) -> [Rule] {
        guard let counter = deny.namedCounter else { return [deny] }
        var logged = deny
        logged.log = LogStatement(group: group, prefix: counter, limit: Self.limitName)
        var suppressed = deny
        suppressed.namedCounter = Self.suppressedCounterName
        return [logged, suppressed]
    }
}
