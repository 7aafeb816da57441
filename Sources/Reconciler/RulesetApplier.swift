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
/// With a revoker, every apply is followed by a revocation pass over the connections the change may
/// deny; a failed pass fails the apply, and the next apply repeats it from the last ruleset whose
/// pass completed.
public final class KernelApplier: RulesetApplier {
    private let programmer: Mutex<KernelProgrammer>
    private let revocation: Mutex<Revocation>?

    private struct Revocation {
        let revoker: ConnectionRevoker
        let reported: @Sendable (RevocationReport, Duration) -> Void
        /// The ruleset the last completed pass judged by; nil before the first.
        var judged: Ruleset?
    }

    /// Programs the current network namespace, or the one named (under /var/run/netns). With
    /// `revocationLabelBit`, revokes the connections each apply denies (see `ConnectionRevoker`) and
    /// tells `revoked` what each pass did.
    public convenience init(tableName: String, netns: String? = nil, revocationLabelBit: UInt8? = nil,
                            revoked: @escaping @Sendable (RevocationReport, Duration) -> Void = { _, _ in }) throws {
        let revoker = try revocationLabelBit.map { try ConnectionRevoker(labelBit: $0, netns: netns) }
        self.init(programmer: try KernelProgrammer(tableName: tableName, netns: netns),
                  revoker: revoker.map { Revocation(revoker: $0, reported: revoked) })
    }

    convenience init(programmer: sending KernelProgrammer) {
        self.init(programmer: programmer, revoker: nil)
    }

    private init(programmer: sending KernelProgrammer, revoker: sending Revocation?) {
        self.programmer = Mutex(programmer)
        if let revoker { revocation = Mutex(revoker) } else { revocation = nil }
    }

    @discardableResult
    public func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        let change = try programmer.withLock { programmer -> AppliedChange in
            switch try programmer.apply(ruleset).kind {
            case .full: return .full
            case .delta: return .delta
            case .unchanged: return .unchanged
            }
        }
        try revocation?.withLock { revocation in
            guard revocation.judged != ruleset else { return }
            let started = ContinuousClock.now
            let report = try revocation.revoker.revoke(previous: revocation.judged, current: ruleset)
            revocation.judged = ruleset
            revocation.reported(report, ContinuousClock.now - started)
        }
        return change
    }

    /// Netlink socket options the kernel refused, for the log.
    public var socketWarnings: [String] { programmer.withLock { $0.socketWarnings } }

    /// Packets and bytes of each named counter of the table, by name.
    public func readCounters() throws -> [String: CounterValues] {
        try programmer.withLock { try $0.readCounters() }
    }
}
