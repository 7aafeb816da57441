import Foundation

/// Wakes the reconciler when the cache changed. Notifications while it is busy collapse into one.
public final class ChangeSignal: Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private nonisolated(unsafe) var pending = false

    public init() {}

    public func notify() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Waits for a notification until `deadline`; returns whether one came (and consumes it).
    public func wait(until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !pending {
            if !condition.wait(until: deadline) { break }
        }
        defer { pending = false }
        return pending
    }
}
