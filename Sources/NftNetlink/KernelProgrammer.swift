import Ruleset

/// How `KernelProgrammer.apply` brought the kernel up to date.
public struct ApplyReport: Sendable {
    public enum Kind: Sendable, Equatable {
        /// The kernel already held the ruleset: nothing was sent.
        case unchanged
        /// Only the differences were sent.
        case delta
        /// The whole table was replaced, in one transaction.
        case full
    }

    public var kind: Kind
    public var operations: [RulesetOperation]
    public var commit: CommitReport?
    /// Why a full replace was needed (first apply, table missing, drift found), else empty.
    public var reason: String
    /// Why the table was read back before this apply; nil when nothing called for it (the generation
    /// was the one the last commit produced, or notifications said no one else touched the table).
    public var readBack: ReadBackReason? = nil
    /// Foreign changes to the table that this apply undid: from their notifications when `readBack` is
    /// nil, else after reading the table back.
    public var repaired: [ForeignChange] = []
}

/// Why `KernelProgrammer` read its table back, for logs and the readback metric.
public enum ReadBackReason: String, Sendable, CaseIterable {
    /// Nothing applied yet: the table an earlier run left is taken over if it reads back whole.
    case firstApply = "first_apply"
    /// The same ruleset applied again (the periodic resync): check the kernel, whatever the notifications say.
    case resync
    /// An apply failed or its outcome is unknown.
    case afterFailure = "after_failure"
    /// Without notifications, any commit by anyone moves the generation.
    case generationMoved = "generation_moved"
    /// Notifications were lost (ENOBUFS, a generation skipped).
    case notificationsLost = "notifications_lost"
    /// Someone else changed the table in a way notifications cannot repair (the table itself, an agent
    /// object redeclared or deleted), or the kernel refused the targeted repair.
    case foreignChange = "foreign_change"
}

/// Keeps the agent's table in the kernel equal to the latest ruleset.
///
/// It remembers what it last applied and the generation its commit produced. While nobody else has
/// touched the table since, the kernel still holds exactly that, so a change goes out as a delta.
/// Otherwise it reads the table back: if it still matches, the delta goes out anyway; if not (table
/// deleted, chain flushed, foreign rule), a full replace repairs it. Every transaction carries the
/// generation it was computed against, so a commit by someone else in between makes the kernel refuse
/// it, and it is recomputed. Use it from one thread at a time.
///
/// Without notifications, any commit by anyone (kube-proxy, the CNI) moves the generation and costs the
/// next apply a read-back. With them (`listen`), commits to other tables cost nothing, and a foreign
/// change to the agent's own table is undone from its notifications (`TargetedRepair`); only lost
/// notifications, changes a repair cannot undo, failures and the resync (the same ruleset applied
/// again) read the table back.
public final class KernelProgrammer {
    public let table: TableIdentity
    /// The ruleset the kernel held after the last successful apply: the one given, with the kernel sizes
    /// of its sets (`SetSizing`).
    public private(set) var lastApplied: Ruleset?
    private(set) var committedGeneration: UInt32?
    let connection: NftConnection
    private let netns: String?
    /// Notifications of every commit in the namespace, once `listen` subscribed to them.
    public private(set) var listener: NftEventListener?

    /// `netns`: a name under /var/run/netns to program; nil for the current network namespace.
    public convenience init(tableName: String, netns: String? = nil) throws {
        self.init(tableName: tableName, connection: try NftConnection(netns: netns), netns: netns)
    }

    init(tableName: String, connection: NftConnection, netns: String? = nil) {
        table = TableIdentity(family: .inet, name: tableName)
        self.connection = connection
        self.netns = netns
    }

    /// Subscribes to nf_tables notifications. Call it before the first apply: a commit between the
    /// first read and the subscription would go unseen. `receiveBuffer` and `filtersOwnMessages` are
    /// for tests (overflows, the filter off).
    @discardableResult
    public func listen(receiveBuffer: Int = 16 << 20, filtersOwnMessages: Bool = true) throws -> NftEventListener {
        let listener = try NftEventListener(netns: netns, table: table, ownPortID: connection.socket.portID,
                                            receiveBuffer: receiveBuffer, filtersOwnMessages: filtersOwnMessages)
        self.listener = listener
        return listener
    }

    @discardableResult
    public func apply(_ ruleset: Ruleset) throws -> ApplyReport {
        precondition(ruleset.table.name == table.name && ruleset.table.family == table.family,
                     "KernelProgrammer for \(table) given table \(ruleset.table.family.rawValue) \(ruleset.table.name)")
        var attempt = 0
        var forcedReadBack: ReadBackReason?
        while true {
            attempt += 1
            let state = try trustedState(for: ruleset, forcedReadBack: forcedReadBack)
            let desired = SetSizing.sized(ruleset, kernel: state.base)
            let operations = state.flushes + (state.base.map { RulesetDiff.operations(from: $0, to: desired) } ?? RulesetDiff.replacement(desired))
            if operations.isEmpty {
                // The same ruleset again is the resync: notifications vouched for the table so far, so check it now.
                if state.readBack == nil, listener != nil {
                    forcedReadBack = state.repaired.isEmpty ? .resync : .foreignChange
                    continue
                }
                lastApplied = desired
                committedGeneration = state.generation
                return ApplyReport(kind: .unchanged, operations: [], commit: nil, reason: "", readBack: state.readBack)
            }
            do {
                let commit = try connection.commit(operations, table: table, sets: desired.table.sets, generation: state.generation)
                lastApplied = desired
                // The kernel bumps the generation once per commit, skipping 0.
                committedGeneration = state.generation &+ 1 == 0 ? 1 : state.generation &+ 1
                if !state.repaired.isEmpty { listener?.accounted(through: state.generation) }
                return ApplyReport(kind: state.base == nil ? .full : .delta, operations: operations, commit: commit, reason: state.reason,
                                   readBack: state.readBack, repaired: state.repaired)
            } catch NftError.generationChanged where attempt < 5 {
                // Once is a commit the drain had not reached yet; twice, the notifications do not account
                // for the generation: read it.
                if listener != nil, attempt >= 2 { forcedReadBack = .notificationsLost }
                continue
            } catch NftError.rejected where state.targeted && attempt < 5 {
                // A repair from notifications the kernel refused (a racing foreign delete): read the table instead.
                forcedReadBack = .foreignChange
                continue
            } catch {
                // Whatever the kernel holds now, check it before trusting it.
                committedGeneration = nil
                throw error
            }
        }
    }

    /// Undoes what others changed in the table since the last apply, as soon as the notifications
    /// arrive; nil when they changed nothing (or nothing was applied yet, or without notifications).
    public func repairForeignChanges() throws -> ApplyReport? {
        guard let listener, let last = lastApplied, committedGeneration != nil else { return nil }
        let ledger = listener.drain()
        guard ledger.tainted != nil || !ledger.foreign.isEmpty else { return nil }
        return try apply(last)
    }

    /// Netlink socket options the kernel refused: the programmer works, with less (see `NetlinkSocket`).
    public var socketWarnings: [String] { connection.socket.refusedOptions + (listener?.refusedOptions ?? []) }

    /// The agent's table as the kernel holds it, read through netlink; nil if it does not exist.
    public func readBack() throws -> Ruleset? {
        try connection.readTable(table)
    }

    /// The current packets and bytes of each named counter of the table, by name, read through netlink;
    /// empty if the table does not exist. A delta leaves unchanged counters counting; a full replace
    /// (first apply, drift repair) starts every counter again from zero.
    public func readCounters() throws -> [String: CounterValues] {
        try connection.readCounters(table)
    }

    /// What the kernel holds, as a base for the diff: nil calls for a full replace, for the reason given.
    private struct TrustedState {
        var base: Ruleset?
        var generation: UInt32
        var reason = ""
        var readBack: ReadBackReason?
        /// A targeted repair: operations to send before the diff.
        var flushes: [RulesetOperation] = []
        /// Foreign changes this apply undoes, from notifications (targeted) or after reading the table back.
        var repaired: [ForeignChange] = []
        var targeted = false
    }

    private func trustedState(for desired: Ruleset, forcedReadBack: ReadBackReason?) throws -> TrustedState {
        guard let listener else {
            let generation = try connection.generation()
            guard let last = lastApplied else { return try readTable(.firstApply, generation: generation) }
            if generation == committedGeneration { return TrustedState(base: last, generation: generation) }
            return try readTable(committedGeneration == nil ? .afterFailure : .generationMoved, generation: generation)
        }
        // Events the listener thread has not reached yet: a commit acknowledged before now has queued its own.
        let ledger = listener.drain()
        let why: ReadBackReason
        if let last = lastApplied, let committed = committedGeneration, forcedReadBack == nil, ledger.tainted == nil {
            let generation = ledger.lastSeen ?? committed
            guard !ledger.foreign.isEmpty else { return TrustedState(base: last, generation: generation) }
            switch TargetedRepair.make(last: last, desired: desired, undoing: ledger.foreign) {
            case .success(let repair):
                return TrustedState(base: repair.kernelView, generation: generation, flushes: repair.flushes, repaired: ledger.foreign,
                                    targeted: true)
            case .failure:
                why = .foreignChange
            }
        } else {
            why = lastApplied == nil ? .firstApply : committedGeneration == nil ? .afterFailure
                : forcedReadBack ?? .notificationsLost
        }
        var state = try readTable(why, generation: try connection.generation())
        state.repaired = ledger.foreign
        listener.accountRead(through: state.generation, lossesBefore: ledger.losses)
        return state
    }

    /// Reads the table back. Before the first apply, the table an earlier run left (an agent restart,
    /// `agent --once` again) is the base when it reads back whole: the first change is then a delta, and
    /// counters keep counting. Later, the table is the base if it still equals the last ruleset applied.
    private func readTable(_ why: ReadBackReason, generation: UInt32) throws -> TrustedState {
        let kernel: (ruleset: Ruleset?, generation: UInt32)
        do {
            kernel = try listener.map { try connection.readTable(table, watchedBy: $0) } ?? connection.readTableWithGeneration(table)
        } catch let NftError.unrecognized(what) {
            let reason = lastApplied == nil ? "first apply over a table this agent cannot read: \(what)" : "drift: \(what)"
            return TrustedState(base: nil, generation: generation, reason: reason, readBack: why)
        }
        guard let last = lastApplied else {
            return TrustedState(base: kernel.ruleset, generation: kernel.generation, reason: kernel.ruleset == nil ? "first apply" : "",
                                readBack: why)
        }
        guard let current = kernel.ruleset else {
            return TrustedState(base: nil, generation: kernel.generation, reason: "table \(table) missing", readBack: why)
        }
        guard current.normalized == last.normalized else {
            return TrustedState(base: nil, generation: kernel.generation, reason: "drift: table \(table) changed", readBack: why)
        }
        return TrustedState(base: last, generation: kernel.generation, readBack: why)
    }
}
