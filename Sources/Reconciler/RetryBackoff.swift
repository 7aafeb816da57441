/// How long to wait before trying again an apply that keeps failing: the delay doubles from `first`
/// with each failure, up to `maximum`, and each wait is drawn between half of it and all of it ("equal
/// jitter"), so agents refused at the same moment do not retry in step.
struct RetryBackoff {
    let first: Duration
    let maximum: Duration

    /// After `failures` failures in a row (1 for the first).
    func delay(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        let full = min(first * (1 << doublings), maximum)
        return full / 2 + full / 2 * Double.random(in: 0...1)
    }
}
