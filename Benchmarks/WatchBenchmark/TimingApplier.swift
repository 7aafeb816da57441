import Foundation
import Reconciler
import Ruleset
import Synchronization

/// Forwards to the kernel applier and notes when a ruleset holding a given pod address went live,
/// and where the time of the round that made it live went (from the reconciler's apply record).
final class TimingApplier: RulesetApplier {
    private let inner: any RulesetApplier
    private let state = Mutex(State())

    private struct State {
        var applies = 0
        var awaited: String?
        /// Rulesets applied since `awaited` was set, with when their apply returned; searched by the
        /// waiting thread, so the search is not part of the measured path.
        var applied: [(ruleset: Ruleset, at: ContinuousClock.Instant)] = []
        var records: [Round] = []
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

    init(_ inner: any RulesetApplier) { self.inner = inner }

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        let change = try inner.apply(ruleset)
        let now = ContinuousClock.now
        state.withLock { state in
            state.applies += 1
            if state.awaited != nil { state.applied.append((ruleset, now)) }
        }
        return change
    }

    /// For `SyncHooks.applied`.
    func record(_ record: ApplyRecord) {
        guard let cacheToKernel = record.eventToKernel else { return }
        let round = Round(ruleset: record.ruleset, cacheToKernel: cacheToKernel, sync: record.syncDuration, apply: record.applyDuration)
        state.withLock { if $0.awaited != nil { $0.records.append(round) } }
    }

    var applies: Int { state.withLock { $0.applies } }

    func await(_ address: String) { state.withLock { $0.awaited = address; $0.applied = []; $0.records = [] } }

    /// Waits until the awaited address is live in the kernel; returns when it went live and the
    /// reconciler's round that made it so.
    func waitUntilLive(timeout: Duration) -> (live: ContinuousClock.Instant, round: Round?)? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (address, applied) = state.withLock { ($0.awaited, $0.applied) }
            if let address, let hit = applied.first(where: { Self.dispatches($0.ruleset, to: address) }) {
                // The hook runs after the applier returns: wait for the record of the same ruleset.
                while ContinuousClock.now < deadline {
                    if let round = state.withLock({ $0.records.first { $0.ruleset == hit.ruleset } }) { return (hit.at, round) }
                    Thread.sleep(forTimeInterval: 0.0002)
                }
                return (hit.at, nil)
            }
            Thread.sleep(forTimeInterval: 0.0002)
        }
        return nil
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
