import Foundation
import Synchronization

/// Tells long-running loops and transfers on other threads to stop, and lets them sleep until then.
/// libcurl's progress callback polls `isStopped` (a lock-free read); sleepers wake at once.
public final class StopToken: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let condition = NSCondition()

    public init() {}

    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    public func stop() {
        condition.lock()
        stopped.store(true, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration` unless stopped first; returns whether it slept the whole time.
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: duration.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !isStopped {
            if !condition.wait(until: deadline) { return !isStopped }
        }
        return false
    }
}

extension Duration {
    /// Seconds as a floating-point number, for APIs that take TimeInterval.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
