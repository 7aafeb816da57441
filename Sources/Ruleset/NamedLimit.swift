/// A limit object of the table (`limit NAME { rate R/second burst B packets }`): one token bucket that
/// every rule naming it (`LogStatement.limit`) draws from, so rules across chains share one rate.
/// Only the declaration is modelled; the kernel keeps the bucket for as long as the object exists.
public struct NamedLimit: Hashable, Sendable {
    public var name: String
    public var packetsPerSecond: UInt64
    public var burst: UInt32
    public var comment: String?

    public init(name: String, packetsPerSecond: UInt64, burst: UInt32, comment: String? = nil) {
        self.name = name
        self.packetsPerSecond = packetsPerSecond
        self.burst = burst
        self.comment = comment
    }
}

/// `limit name L log prefix P group G`: copies the packet to nfnetlink_log group `group`, tagged with
/// `prefix`, while the named limit has tokens; over the rate, the limit ends the rule (NFT_BREAK) before
/// the log and the rule's action, and the next rule runs. Logging decides nothing.
public struct LogStatement: Hashable, Sendable {
    /// The kernel copies at most NF_LOG_PREFIXLEN - 1 bytes (include/net/netfilter/nf_log.h).
    public static let maximumPrefixLength = 127

    public var group: UInt16
    public var prefix: String
    public var limit: String?

    public init(group: UInt16, prefix: String, limit: String? = nil) {
        self.group = group
        self.prefix = prefix
        self.limit = limit
    }
}
