import Foundation

/// Waits until `condition` holds, checking it every `interval`; false if it still does not at the deadline.
public func eventually(within timeout: Duration = .seconds(5), every interval: Duration = .milliseconds(10),
                       _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { return false }
        Thread.sleep(forTimeInterval: interval.seconds)
    }
    return true
}

extension Duration {
    /// In seconds, for Foundation's time intervals.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
