/// Capped exponential backoff with jitter between attempts against a failing API server (and, with
/// a 30 s cap, between applies the kernel refuses). The API default cap is low (3 s, where client-go
/// uses 30 s) so that the agent is back in sync within 5 s of the server answering again; three
/// watches per node cannot overload it. Jitter spreads agents that failed at the same moment.
public struct Backoff: Sendable {
    public var initial: Duration
    public var factor: Int
    public var cap: Duration
    /// The fraction of each delay that is random: a delay lies in [nominal × (1 − jitter), nominal].
    public var jitter: Double
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(200), factor: Int = 2, cap: Duration = .seconds(3), jitter: Double = 0.5) {
        precondition(initial > .zero && factor >= 1 && cap >= initial && (0...1).contains(jitter))
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay without jitter after `failures` consecutive failures.
    public func nominal(after failures: Int) -> Duration {
        var delay = initial
        for _ in 0..<failures where delay < cap { delay *= factor }
        return min(delay, cap)
    }

    /// The delay before the next attempt; counts one more failure.
    public mutating func next<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        let nominal = nominal(after: failures).seconds
        failures += 1
        return .seconds(nominal * (1 - jitter * Double.random(in: 0..<1, using: &generator)))
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    public mutating func reset() { failures = 0 }
}
