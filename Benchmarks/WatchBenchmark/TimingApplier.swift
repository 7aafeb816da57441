import Foundation
import NftNetlink
import Reconciler
import Ruleset
import Synchronization

/// Forwards to the kernel applier and notes when a ruleset holding a given pod address went live,
/// and where the time of the round that made it live went (from the reconciler's apply record).
///
/// The waiting thread sleeps on a condition and looks at each applied ruleset once: a polling loop
/// that scanned the table every 0.2 ms took a good part of a core from the agent it measured.
final class TimingApplier: RulesetApplier, Sendable {
    private let inner: any RulesetApplier
    /// The kernel's share of the last commit (send → last reply), from the applier's report.
    private let lastKernelTime = LastKernelTime()
    /// Signalled on every apply and every apply record.
    private let changed = NSCondition()
    // Guarded by `changed`.
    private nonisolated(unsafe) var state = State()

    private struct State {
        var applies = 0
        var awaited: String?
        /// Rulesets applied since `awaited` was set, with when their apply returned and the kernel's share.
        var applied: [Applied] = []
        var records: [Round] = []
    }

    struct Applied {
        var ruleset: Ruleset
        var at: ContinuousClock.Instant
        var kernelTime: Duration
    }

    /// One reconciler round, from its `ApplyRecord`.
    struct Round {
        var ruleset: Ruleset
        /// From the change reaching the cache to the kernel's ACK.
        var cacheToKernel: Duration
        /// Compiling and applying (from the reconciler taking the changes in).
        var sync: Duration
        /// The netlink transaction alone.
        var apply: Duration
    }

    private final class LastKernelTime: Sendable {
        let value = Mutex(Duration.zero)
    }

    init(tableName: String) throws {
        let last = lastKernelTime
        inner = try KernelApplier(tableName: tableName, programmed: { report in last.value.withLock { $0 = report.commit?.kernelTime ?? .zero } })
    }

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        let change = try inner.apply(ruleset)
        let now = ContinuousClock.now
        let kernelTime = lastKernelTime.value.withLock { $0 }
        locked { state in
            state.applies += 1
            if state.awaited != nil { state.applied.append(Applied(ruleset: ruleset, at: now, kernelTime: kernelTime)) }
        }
        return change
    }

    /// For `SyncHooks.applied`.
    func record(_ record: ApplyRecord) {
        guard let cacheToKernel = record.eventToKernel else { return }
        let round = Round(ruleset: record.ruleset, cacheToKernel: cacheToKernel, sync: record.syncDuration, apply: record.applyDuration)
        locked { if $0.awaited != nil { $0.records.append(round) } }
    }

    var applies: Int { locked { $0.applies } }

    func await(_ address: String) { locked { $0.awaited = address; $0.applied = []; $0.records = [] } }

    /// Waits until the awaited address is live in the kernel; returns the apply that made it so and the
    /// reconciler's round it belonged to (nil if its record did not come before the deadline).
    func waitUntilLive(timeout: Duration) -> (live: Applied, round: Round?)? {
        let deadline = Date() + TimeInterval(timeout.components.seconds)
        changed.lock()
        defer { changed.unlock() }
        var checked = 0
        var hit: Applied?
        while hit == nil {
            guard let address = state.awaited else { return nil }
            while hit == nil, checked < state.applied.count {
                if Self.dispatches(state.applied[checked].ruleset, to: address) { hit = state.applied[checked] }
                checked += 1
            }
            if hit == nil, !changed.wait(until: deadline) { return nil }
        }
        // The hook runs after the applier returns: wait for the record of the same ruleset.
        while true {
            if let round = state.records.first(where: { $0.ruleset == hit!.ruleset }) { return (hit!, round) }
            if !changed.wait(until: deadline) { return (hit!, nil) }
        }
    }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        changed.lock()
        defer {
            changed.broadcast()
            changed.unlock()
        }
        return body(&state)
    }

    /// Whether the ingress dispatch map sends traffic for `address` to a policy chain.
    private static func dispatches(_ ruleset: Ruleset, to address: String) -> Bool {
        guard let map = ruleset.table.sets.first(where: { $0.name == "ingress_v4" }) else { return false }
        return map.elements.contains { element in
            if case .address(let range) = element.key.first { return range.lower.description == address }
            return false
        }
    }
}
