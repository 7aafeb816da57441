import NftNetlink
import Ruleset
import Synchronization

/// Puts a ruleset into the kernel of the network namespace the agent runs in.
public protocol RulesetApplier: Sendable {
    /// Makes the agent's table equal `ruleset` in one atomic transaction: the whole table the first
    /// time (replacing whatever an earlier agent left) and whenever it changed behind the applier's
    /// back, else only the differences. Applying the same ruleset again checks for drift and repairs it.
    @discardableResult
    func apply(_ ruleset: Ruleset) throws -> AppliedChange
}

/// How an apply brought the kernel up to date.
public enum AppliedChange: String, Sendable {
    /// The whole table replaced.
    case full
    /// Only the differences sent.
    case delta
    /// The kernel already held it.
    case unchanged
}

/// The netlink programmer, used from whichever thread reconciles. Applies and counter reads take turns
/// on one lock; every netlink reply has a deadline, so a stuck kernel holds it only until then.
public final class KernelApplier: RulesetApplier {
    private let programmer: Mutex<KernelProgrammer>

    /// Programs the current network namespace, or the one named (under /var/run/netns).
    public convenience init(tableName: String, netns: String? = nil) throws {
        self.init(programmer: try KernelProgrammer(tableName: tableName, netns: netns))
    }

    init(programmer: sending KernelProgrammer) {
        self.programmer = Mutex(programmer)
    }

    @discardableResult
    public func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        try programmer.withLock { programmer in
            switch try programmer.apply(ruleset).kind {
            case .full: return .full
            case .delta: return .delta
            case .unchanged: return .unchanged
            }
        }
    }

    /// Netlink socket options the kernel refused, for the log.
    public var socketWarnings: [String] { programmer.withLock { $0.socketWarnings } }

    /// Packets and bytes of each named counter of the table, by name.
    public func readCounters() throws -> [String: CounterValues] {
        try programmer.withLock { try $0.readCounters() }
    }
}
