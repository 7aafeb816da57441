import BenchmarkSupport
import Foundation
import Glibc

/// Wall-clock milliseconds of `body`.
func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// CPU time of this process so far, in ms: user space, and the kernel working on its behalf.
func cpuTime() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let ms = { (time: timeval) in Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
    return (ms(usage.ru_utime), ms(usage.ru_stime))
}

/// Peak resident set size of this process so far, in MiB.
func peakRSS() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// A network namespace for the run, deleted at the end; nothing here touches the root namespace.
final class ScratchNamespace {
    let name = "nftbench\(getpid())"

    init() throws { _ = try spawn(["ip", "netns", "add", name]) }

    deinit { _ = try? spawn(["ip", "netns", "delete", name]) }

    /// `nft -f FILE` inside the namespace.
    func loadWithNft(_ path: String) throws -> (milliseconds: Double, peakRSS: Double) {
        let run = try spawn(["ip", "netns", "exec", name, "nft", "-f", path])
        return (run.milliseconds, run.peakRSS)
    }

    /// What `ip netns exec` alone costs, to read `nft -f` figures fairly.
    func execOverhead() throws -> Double {
        median(try (0..<5).map { _ in try spawn(["ip", "netns", "exec", name, "true"]).milliseconds })
    }
}
