/// Capped exponential backoff with jitter between attempts against a failing API server (and
/// between applies the kernel refuses). Jitter spreads clients that failed at the same moment.
///
/// `Backoff.reflector` is client-go's reflector backoff (tools/cache/reflector.go: 800 ms, ×2, cap
/// 30 s, jitter 1.0, reset after 2 min; apimachinery util/wait/backoff.go delay(): the cap applies to
/// the nominal delay, then jitter adds up to as much again). Its delays are [0.8, 1.6), [1.6, 3.2),
/// [3.2, 6.4) s, …, [30, 60) s: after an outage of one or two failed attempts the agent is back
/// within 3.2 s of the server answering (5 s with the request), after a long one within 60 s.
public struct Backoff: Sendable {
    public var initial: Duration
    public var factor: Int
    public var cap: Duration
    /// A delay is its nominal value times a factor drawn from this range.
    public var jitter: Range<Double>
    /// A failure this long after the previous one starts over from `initial`; nil: never.
    public var resetAfter: Duration?
    public private(set) var failures = 0
    private var lastFailure: ContinuousClock.Instant?

    public init(initial: Duration = .milliseconds(200), factor: Int = 2, cap: Duration = .seconds(3),
                jitter: Range<Double> = 0.5..<1, resetAfter: Duration? = nil) {
        precondition(initial > .zero && factor >= 1 && cap >= initial && jitter.lowerBound >= 0)
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// client-go's reflector backoff (see above).
    public static let reflector = Backoff(initial: .milliseconds(800), factor: 2, cap: .seconds(30), jitter: 1..<2,
                                          resetAfter: .seconds(120))

    /// The delay without jitter after `failures` consecutive failures.
    public func nominal(after failures: Int) -> Duration {
        var delay = initial
        for _ in 0..<failures where delay < cap { delay *= factor }
        return min(delay, cap)
    }

    /// The delay before the next attempt; counts one more failure at `now`.
    public mutating func next<Generator: RandomNumberGenerator>(at now: ContinuousClock.Instant = .now,
                                                                using generator: inout Generator) -> Duration {
        if let lastFailure, let resetAfter, now - lastFailure >= resetAfter { failures = 0 }
        let nominal = nominal(after: failures).seconds
        failures += 1
        lastFailure = now
        // Not Double.random(in: jitter): it draws again when rounding hits the upper bound.
        let spread = jitter.upperBound - jitter.lowerBound
        return .seconds(nominal * (jitter.lowerBound + spread * Double.random(in: 0..<1, using: &generator)))
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    public mutating func reset() {
        failures = 0
        lastFailure = nil
    }
}
