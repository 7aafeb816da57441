import Foundation
import Reconciler
import Ruleset
import Synchronization

/// Records what the reconciler applies; can be told to fail.
final class RecordingApplier: RulesetApplier {
    struct Failure: Error {}
    private let state = Mutex((applied: [Ruleset](), failuresLeft: 0))

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw Failure()
            }
            state.applied.append(ruleset)
            return .full
        }
    }

    func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }
    var applied: [Ruleset] { state.withLock { $0.applied } }

    /// Polls until `count` rulesets have been applied.
    func wait(for count: Int, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while applied.count < count && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return applied.count >= count
    }
}
