import NftNetlink
import Ruleset
import Synchronization

/// Puts a ruleset into the kernel of the network namespace the agent runs in.
public protocol RulesetApplier: Sendable {
    /// Makes the agent's table equal `ruleset` in one atomic transaction: the whole table the first
    /// time (replacing whatever an earlier agent left) and whenever it changed behind the applier's
    /// back, else only the differences. Applying the same ruleset again checks for drift and repairs it.
    func apply(_ ruleset: Ruleset) throws
}

/// The netlink programmer, used from whichever thread reconciles.
public final class KernelApplier: RulesetApplier {
    private let programmer: Mutex<KernelProgrammer>

    /// Programs the current network namespace.
    public init(tableName: String) throws {
        programmer = Mutex(try KernelProgrammer(tableName: tableName))
    }

    public func apply(_ ruleset: Ruleset) throws {
        try programmer.withLock { _ = try $0.apply(ruleset) }
    }
}
