#if canImport(Glibc)
import Glibc
#endif

/// Durations in milliseconds, and medians: this machine is noisy, so benchmarks report medians of runs.
public func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Nearest-rank percentile (`p` in 0...100).
public func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[max(0, min(sorted.count - 1, rank - 1))]
}

/// On-CPU time of the calling thread, user and system (so the kernel's work on a netlink batch sent
/// from it too), in milliseconds. On a loaded machine wall-clock percentiles measure the scheduler as
/// much as the work; this measures the work.
public func threadCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
}

/// Wall-clock and on-CPU milliseconds since it was made.
public struct Stopwatch {
    private let wall = ContinuousClock.now
    private let cpu = threadCPUMilliseconds()

    public init() {}

    public var elapsed: (wall: Double, cpu: Double) { (milliseconds(ContinuousClock.now - wall), threadCPUMilliseconds() - cpu) }
}

/// On-CPU time of the whole process, every thread, user and system, in milliseconds: work spread over
/// threads counts in full.
public func processCPUMilliseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let milliseconds = { (time: timeval) in Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
    return milliseconds(usage.ru_utime) + milliseconds(usage.ru_stime)
}

/// Wall-clock and whole-process on-CPU milliseconds since it was made.
public struct ProcessStopwatch {
    private let wall = ContinuousClock.now
    private let cpu = processCPUMilliseconds()

    public init() {}

    public var elapsed: (wall: Double, cpu: Double) { (milliseconds(ContinuousClock.now - wall), processCPUMilliseconds() - cpu) }
}

/// Latencies measured in rounds: each round's median and p99, wall-clock and on CPU, reported as their
/// medians over rounds.
public struct LatencyRounds {
    private var wall: [(median: Double, p99: Double)] = []
    private var cpu: [(median: Double, p99: Double)] = []

    public init() {}

    public mutating func add(round samples: [(wall: Double, cpu: Double)]) {
        wall.append((median(samples.map(\.wall)), percentile(samples.map(\.wall), 99)))
        cpu.append((median(samples.map(\.cpu)), percentile(samples.map(\.cpu), 99)))
    }

    /// The medians over rounds of the median and p99, wall-clock then on CPU, times `scale`.
    public func figures(scale: Double = 1) -> [Double] {
        [wall.map(\.median), wall.map(\.p99), cpu.map(\.median), cpu.map(\.p99)].map { median($0) * scale }
    }

    /// `median 0.41 ms, p99 0.90 ms (on CPU 0.30 ms, 0.52 ms)`.
    public var summary: String {
        let figures = figures()
        return String(format: "median %.2f ms, p99 %.2f ms (on CPU %.2f ms, %.2f ms)", figures[0], figures[1], figures[2], figures[3])
    }
}
