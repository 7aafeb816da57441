import KubeClient
import Testing
import TestSupport

struct BackoffTests {
    /// A generator that always yields the same value, to pin jitter at its extremes.
    struct Fixed: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    /// Equal but for floating-point rounding.
    static func same(_ a: Duration, _ b: Duration) -> Bool { abs((a - b).seconds) < 1e-6 }

    @Test func growsThenStaysAtTheCap() {
        let backoff = Backoff(initial: .milliseconds(200), factor: 2, cap: .seconds(3))
        let nominal = (0..<8).map { backoff.nominal(after: $0) }
        #expect(nominal == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                            .seconds(3), .seconds(3), .seconds(3), .seconds(3)])
    }

    /// client-go's reflector (reflector.go: 800 ms, ×2, cap 30 s; wait/backoff.go: jitter 1.0 after the
    /// cap): the real defaults' arithmetic, without sleeping.
    @Test func reflectorDefaultsAreClientGos() {
        let backoff = ReflectorTuning().backoff
        let nominal = (0..<9).map { backoff.nominal(after: $0) }
        #expect(nominal == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                            .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30), .seconds(30)])
        var low = Fixed(value: 0), high = Fixed(value: .max)
        var first = backoff, capped = backoff
        #expect(Self.same(first.next(using: &low), .milliseconds(800)))
        for _ in 0..<10 { _ = capped.next(using: &low) }
        let longest = capped.next(using: &high)
        #expect(longest >= .seconds(59.9) && longest <= .seconds(60), "the cap applies before jitter: at most 60 s")
    }

    /// Seeded: every delay lies in [nominal, 2 × nominal), so the delays of clients that failed
    /// together are spread over as much as the nominal delay.
    @Test func jitterStaysWithinBounds() {
        var backoff = Backoff.reflector
        var generator = SeededRandom(seed: 11)
        var delays: [Duration] = []
        for attempt in 0..<40 {
            let nominal = backoff.nominal(after: backoff.failures)
            let delay = backoff.next(using: &generator)
            delays.append(delay)
            #expect(delay >= nominal && delay < nominal * 2, "attempt \(attempt): \(delay) vs \(nominal)")
        }
        #expect(Set(delays).count == delays.count, "jittered")
    }

    /// A failure more than 2 minutes after the previous one starts over (client-go's backoff manager
    /// resets after 2 min); failures closer together keep growing.
    @Test func resetsAfterTwoQuietMinutes() {
        var backoff = Backoff.reflector
        var low = Fixed(value: 0)
        let start = ContinuousClock.now
        for step in 0..<4 { _ = backoff.next(at: start + .seconds(step * 10), using: &low) }
        #expect(Self.same(backoff.next(at: start + .seconds(100), using: &low), .milliseconds(12800)))
        #expect(Self.same(backoff.next(at: start + .seconds(221), using: &low), .milliseconds(800)))
    }

    @Test func resetStartsOver() {
        var backoff = Backoff()
        for _ in 0..<5 { _ = backoff.next() }
        #expect(backoff.failures == 5)
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(200))
    }
}
