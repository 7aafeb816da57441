import Foundation
import Reconciler
import Ruleset
import Synchronization
import TestSupport

/// Records what the reconciler applies and when it tried; can be told to refuse, and can hold an apply
/// until released, so that changes pile up meanwhile.
final class RecordingApplier: RulesetApplier {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "refused by the test applier" }
    }

    private struct State {
        var applied: [Ruleset] = []
        var attempts: [ContinuousClock.Instant] = []
        var failuresLeft = 0
    }

    private let state = Mutex(State())
    private let gate = Mutex((closed: false, waiting: false))

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        waitAtGate()
        return try state.withLock { state in
            state.attempts.append(.now)
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw Failure()
            }
            state.applied.append(ruleset)
            return .full
        }
    }

    func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }
    func refuseAlways() { failNext(.max) }
    var applied: [Ruleset] { state.withLock { $0.applied } }
    /// When each apply was called, refused or not.
    var attempts: [ContinuousClock.Instant] { state.withLock { $0.attempts } }

    /// Makes the next apply wait in the gate until `open()`.
    func close() { gate.withLock { $0.closed = true } }
    func open() { gate.withLock { $0.closed = false } }
    /// An apply is waiting in the closed gate.
    var isHeld: Bool { gate.withLock { $0.waiting } }

    private func waitAtGate() {
        while gate.withLock({ gate in gate.waiting = gate.closed; return gate.closed }) { Thread.sleep(forTimeInterval: 0.005) }
    }

    /// Waits until `count` rulesets have been applied.
    func wait(for count: Int, timeout: Duration = .seconds(5)) -> Bool {
        eventually(within: timeout) { applied.count >= count }
    }
}
