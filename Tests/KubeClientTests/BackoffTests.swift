import KubeClient
import Testing

struct BackoffTests {
    /// A generator that always yields the same value, to pin jitter at its extremes.
    struct Fixed: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func growsThenStaysAtTheCap() {
        let backoff = Backoff(initial: .milliseconds(200), factor: 2, cap: .seconds(3), jitter: 0.5)
        let nominal = (0..<8).map { backoff.nominal(after: $0) }
        #expect(nominal == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                            .seconds(3), .seconds(3), .seconds(3), .seconds(3)])
    }

    @Test func jitterStaysWithinBounds() {
        var backoff = Backoff(initial: .milliseconds(100), factor: 2, cap: .seconds(2), jitter: 0.5)
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<200 {
            let nominal = backoff.nominal(after: backoff.failures)
            let delay = backoff.next(using: &generator)
            #expect(delay <= nominal && delay >= nominal / 2, "attempt \(attempt): \(delay) vs \(nominal)")
            #expect(delay <= .seconds(2))
        }
        var low = Fixed(value: 0), high = Fixed(value: .max)
        var a = Backoff(jitter: 0.5), b = Backoff(jitter: 0.5)
        #expect(a.next(using: &low) == .milliseconds(200))
        #expect(b.next(using: &high) >= .milliseconds(100) && b.next(using: &high) < .milliseconds(400))
    }

    @Test func resetStartsOver() {
        var backoff = Backoff()
        for _ in 0..<5 { _ = backoff.next() }
        #expect(backoff.failures == 5)
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(200))
    }

    /// The agent must be back within 5 s of the server answering: the longest pause stays below that.
    @Test func defaultCapLeavesRoomForTheFiveSecondBound() {
        var backoff = Backoff()
        let longest = (0..<50).map { _ in backoff.next() }.max()!
        #expect(longest <= .seconds(3))
    }
}
