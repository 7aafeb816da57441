import Glibc

/// What the nf_tables notifications say about the agent's table: the last generation seen, the
/// generation through which the agent knows the table's content, the foreign commits that touched the
/// table since, and whether notifications were lost (then only a read-back tells what the table holds).
///
/// Commits to other tables leave nothing here: they cost the agent nothing. The agent's own commits are
/// recognised by the committing socket's port id, which every message of a commit carries as
/// `nlmsg_pid` (net/netfilter/nf_tables_api.c `nf_tables_fill_gen_info`); pids would not do, since
/// NEWGEN's PROC_PID is the committing thread's id.
public struct GenerationLedger: Sendable {
    public let table: TableIdentity
    public let ownPortID: UInt32
    /// The generation of the last NEWGEN seen; nil before the first (or the first read).
    public private(set) var lastSeen: UInt32?
    /// The generation through which the table's content is known: read back, or repaired.
    public private(set) var accountedThrough: UInt32?
    /// Why notifications can no longer be trusted (lost on overflow, a generation skipped); nil while they can.
    public private(set) var tainted: String?
    /// How many times notifications were lost: a read-back clears the taint only if none were lost while it ran.
    public private(set) var losses = 0
    /// Foreign commits that touched the table after `accountedThrough`, oldest first.
    public private(set) var foreign: [ForeignChange] = []
    /// Touches of the commit whose NEWGEN has not come yet.
    private var pending: [TableTouch] = []
    /// Beyond this many unrepaired foreign commits, a read-back is cheaper than remembering them.
    static let foreignLimit = 1_000

    init(table: TableIdentity, ownPortID: UInt32) {
        self.table = table
        self.ownPortID = ownPortID
    }

    mutating func record(_ event: NftEvent) {
        switch event {
        case .object(let family, let table, let touch, let portID):
            guard portID != ownPortID, family == UInt8(self.table.nfproto), table == self.table.name else { return }
            if pending.last != touch, !pending.contains(touch) { pending.append(touch) }
        case .generation(let stamp):
            defer { pending = [] }
            if let last = lastSeen {
                // Already accounted for by a read that came after it.
                guard Self.isAfter(stamp.generation, last) else { return }
                // The kernel skips 0 (`nf_tables_commit`: `while (++base_seq == 0);`).
                let next = last &+ 1 == 0 ? 1 : last &+ 1
                if stamp.generation != next { lost("notifications lost: generation \(last) was followed by \(stamp.generation)") }
            }
            lastSeen = stamp.generation
            guard stamp.portID != ownPortID, !pending.isEmpty else { return }
            foreign.append(ForeignChange(stamp: stamp, touches: pending))
            if foreign.count > Self.foreignLimit { lost("more than \(Self.foreignLimit) foreign commits to table \(table) unrepaired") }
        }
    }

    /// Notifications were dropped (ENOBUFS) or skipped: what the table holds is unknown until read back.
    mutating func lost(_ reason: String) {
        if tainted == nil { tainted = reason }
        losses += 1
        pending = []
        foreign = []
    }

    /// The table was read back at `generation`: everything up to it is known. The taint goes only if
    /// no notification was lost since `lossesBefore` (taken before the read started).
    mutating func accountRead(through generation: UInt32, lossesBefore: Int) {
        accounted(through: generation)
        if losses == lossesBefore { tainted = nil }
        if lastSeen.map({ Self.isAfter(generation, $0) }) ?? true { lastSeen = generation }
    }

    /// The foreign changes up to `generation` are repaired (or read back).
    mutating func accounted(through generation: UInt32) {
        foreign.removeAll { !Self.isAfter($0.stamp.generation, generation) }
        accountedThrough = generation
    }

    /// Whether a foreign commit touched the table, or notifications were lost, since `earlier`.
    func changedTable(since earlier: GenerationLedger) -> Bool {
        losses != earlier.losses || foreign.count != earlier.foreign.count
    }

    /// Generations wrap around: `a` is after `b` when it is less than half the range ahead.
    static func isAfter(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
}
