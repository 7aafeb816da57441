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
}

/// Keeps the agent's table in the kernel equal to the latest ruleset.
///
/// It remembers what it last applied and the generation its commit produced. While nobody else has
/// committed since, the kernel still holds exactly that, so a change goes out as a delta. Otherwise it
/// reads the table back: if it still matches, the delta goes out anyway; if not (table deleted, chain
/// flushed, foreign rule), a full replace repairs it. Every transaction carries the generation it was
/// computed against, so a commit by someone else in between makes the kernel refuse it, and it is
/// recomputed. Use it from one thread at a time.
public final class KernelProgrammer {
    public let table: TableIdentity
    /// The ruleset the kernel held after the last successful apply.
    public private(set) var lastApplied: Ruleset?
    private(set) var committedGeneration: UInt32?
    let connection: NftConnection

    /// `netns`: a name under /var/run/netns to program; nil for the current network namespace.
    public convenience init(tableName: String, netns: String? = nil) throws {
        self.init(tableName: tableName, connection: try NftConnection(netns: netns))
    }

    init(tableName: String, connection: NftConnection) {
        table = TableIdentity(family: .inet, name: tableName)
        self.connection = connection
    }

    @discardableResult
    public func apply(_ ruleset: Ruleset) throws -> ApplyReport {
        precondition(ruleset.table.name == table.name && ruleset.table.family == table.family,
                     "KernelProgrammer for \(table) given table \(ruleset.table.family.rawValue) \(ruleset.table.name)")
        var attempt = 0
        while true {
            attempt += 1
            let (base, generation, reason) = try trustedState()
            let operations = base.map { RulesetDiff.operations(from: $0, to: ruleset) } ?? RulesetDiff.replacement(ruleset)
            if operations.isEmpty {
                lastApplied = ruleset
                committedGeneration = generation
                return ApplyReport(kind: .unchanged, operations: [], commit: nil, reason: "")
            }
            do {
                let commit = try connection.commit(operations, table: table, sets: ruleset.table.sets, generation: generation)
                lastApplied = ruleset
                // The kernel bumps the generation once per commit, skipping 0.
                committedGeneration = generation &+ 1 == 0 ? 1 : generation &+ 1
                return ApplyReport(kind: base == nil ? .full : .delta, operations: operations, commit: commit, reason: reason)
            } catch NftError.generationChanged where attempt < 5 {
                continue
            } catch {
                // Whatever the kernel holds now, check it before trusting it.
                committedGeneration = nil
                throw error
            }
        }
    }

    /// Netlink socket options the kernel refused: the programmer works, with less (see `NetlinkSocket`).
    public var socketWarnings: [String] { connection.socket.refusedOptions }

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

    /// What the kernel holds, if it is known to equal a ruleset this programmer applied; nil calls for a
    /// full replace, for the reason given.
    private func trustedState() throws -> (base: Ruleset?, generation: UInt32, reason: String) {
        let generation = try connection.generation()
        guard let last = lastApplied else { return try leftByEarlierRun(generation) }
        if generation == committedGeneration { return (last, generation, "") }
        let kernel: (ruleset: Ruleset?, generation: UInt32)
        do {
            kernel = try connection.readTableWithGeneration(table)
        } catch let NftError.unrecognized(what) {
            return (nil, generation, "drift: \(what)")
        }
        guard let current = kernel.ruleset else { return (nil, kernel.generation, "table \(table) missing") }
        guard current.normalized == last.normalized else { return (nil, kernel.generation, "drift: table \(table) changed") }
        return (last, kernel.generation, "")
    }

    /// Before its first apply, the table an earlier run left (an agent restart, `agent --once` again) is
    /// the base when it reads back whole: the first change is then a delta, and counters keep counting.
    private func leftByEarlierRun(_ generation: UInt32) throws -> (base: Ruleset?, generation: UInt32, reason: String) {
        do {
            let kernel = try connection.readTableWithGeneration(table)
            return (kernel.ruleset, kernel.generation, kernel.ruleset == nil ? "first apply" : "")
        } catch let NftError.unrecognized(what) {
            return (nil, generation, "first apply over a table this agent cannot read: \(what)")
        }
    }
}
