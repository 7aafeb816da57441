import Foundation

/// Waits until `condition` holds, checking every 10 ms; false if it still does not at the deadline.
public func eventually(within timeout: Duration = .seconds(5), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

extension Duration {
    /// In seconds, for Foundation's time intervals.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
