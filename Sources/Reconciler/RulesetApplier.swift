import KubeClient
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
///
/// With notifications (`listens`), a foreign change to the table is undone as soon as its notification
/// arrives (`repairForeignChanges`), and commits to other tables cost applies nothing.
public final class KernelApplier: RulesetApplier {
    private let programmer: Mutex<KernelProgrammer>
    private let revocation: Mutex<Revocation>?
    private let listener: NftEventListener?
    /// Hears of every apply that reached the kernel, the reconciler's and the repairs'.
    private let programmed: @Sendable (ApplyReport) -> Void

    private struct Revocation {
        let revoker: ConnectionRevoker
        let reported: @Sendable (RevocationReport, Duration) -> Void
        /// The ruleset the last completed pass judged by; nil before the first.
        var judged: Ruleset?
    }

    /// Programs the current network namespace, or the one named (under /var/run/netns). With
    /// `revocationLabelBit`, revokes the connections each apply denies (see `ConnectionRevoker`) and
    /// tells `revoked` what each pass did. With `listens`, subscribes to nf_tables notifications before
    /// anything is read.
    public convenience init(tableName: String, netns: String? = nil, revocationLabelBit: UInt8? = nil, listens: Bool = false,
                            programmed: @escaping @Sendable (ApplyReport) -> Void = { _ in },
                            revoked: @escaping @Sendable (RevocationReport, Duration) -> Void = { _, _ in }) throws {
        let revoker = try revocationLabelBit.map { try ConnectionRevoker(labelBit: $0, netns: netns) }
        let programmer = try KernelProgrammer(tableName: tableName, netns: netns)
        let listener = listens ? try programmer.listen() : nil
        self.init(programmer: programmer, revoker: revoker.map { Revocation(revoker: $0, reported: revoked) }, listener: listener,
                  programmed: programmed)
    }

    convenience init(programmer: sending KernelProgrammer) {
        self.init(programmer: programmer, revoker: nil, listener: nil, programmed: { _ in })
    }

    private init(programmer: sending KernelProgrammer, revoker: sending Revocation?, listener: NftEventListener?,
                 programmed: @escaping @Sendable (ApplyReport) -> Void) {
        self.programmer = Mutex(programmer)
        if let revoker { revocation = Mutex(revoker) } else { revocation = nil }
        self.listener = listener
        self.programmed = programmed
    }

    @discardableResult
    public func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        let report = try programmer.withLock { try $0.apply(ruleset) }
        programmed(report)
        let change: AppliedChange
        switch report.kind {
        case .full: change = .full
        case .delta: change = .delta
        case .unchanged: change = .unchanged
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

    /// Undoes foreign changes to the table as their notifications arrive, on a thread of its own, until
    /// `stop`; nil without notifications. A repair restores the ruleset last applied, which the last
    /// revocation pass already judged. A failed repair is retried a second later (`failed` hears why);
    /// the reconciler's next apply reads the table back meanwhile.
    public func repairForeignChanges(until stop: StopToken, failed: @escaping @Sendable (Error) -> Void) -> WorkerThread? {
        guard let listener else { return nil }
        return WorkerThread { [self] in
            var retryAt: ContinuousClock.Instant?
            while !stop.isStopped {
                _ = listener.wait(milliseconds: 200)
                // Read what came even while a retry waits, so the socket's buffer never fills. Commits to
                // other tables end here, without taking the programmer's lock from the reconciler.
                let ledger = listener.drain()
                guard ledger.tainted != nil || !ledger.foreign.isEmpty else { continue }
                if let retryAt, ContinuousClock.now < retryAt { continue }
                do {
                    if let report = try programmer.withLock({ try $0.repairForeignChanges() }) { programmed(report) }
                    retryAt = nil
                } catch {
                    retryAt = ContinuousClock.now + .seconds(1)
                    failed(error)
                }
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
