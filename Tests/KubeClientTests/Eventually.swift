import Foundation

/// Polls until `condition` holds; returns whether it did within `timeout`. Tests wait on what they
/// assert, never for a fixed time.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}
