import Foundation
import Reconciler
import Ruleset
import Synchronization

/// Forwards to the kernel applier and notes when a ruleset holding a given pod address went live.
final class TimingApplier: RulesetApplier {
    private let inner: any RulesetApplier
    private let state = Mutex((applies: 0, awaited: String?.none, liveAt: ContinuousClock.Instant?.none))

    init(_ inner: any RulesetApplier) { self.inner = inner }

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        let change = try inner.apply(ruleset)
        let now = ContinuousClock.now
        let awaited = state.withLock { state in
            state.applies += 1
            return state.awaited
        }
        // Checked after the clock is read, so the search is not part of the measured time.
        if let awaited, Self.dispatches(ruleset, to: awaited) {
            state.withLock { if $0.awaited == awaited, $0.liveAt == nil { $0.liveAt = now } }
        }
        return change
    }

    var applies: Int { state.withLock { $0.applies } }

    func await(_ address: String) { state.withLock { $0 = ($0.applies, address, nil) } }

    /// Waits until the awaited address is live in the kernel; returns when it went live.
    func waitUntilLive(timeout: Duration) -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let live = state.withLock({ $0.liveAt }) { return live }
            Thread.sleep(forTimeInterval: 0.0005)
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
