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

/// Runs a program with output discarded; returns its wall time (ms) and peak RSS (MiB).
func spawn(_ arguments: [String]) throws -> (milliseconds: Double, peakRSS: Double) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0, status: Int32 = 0, usage = rusage()
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawnp(&pid, argv[0]!, &actions, nil, argv, environ) == 0 else {
        throw BenchmarkError(description: "cannot start \(arguments[0])")
    }
    wait4(pid, &status, 0, &usage)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    guard status == 0 else { throw BenchmarkError(description: "\(arguments.joined(separator: " ")) failed (status \(status))") }
    return (elapsed, Double(usage.ru_maxrss) / 1024)
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// A network namespace for the run, deleted at the end; nothing here touches the root namespace.
final class ScratchNamespace {
    let name = "nftbench\(getpid())"

    init() throws { _ = try spawn(["ip", "netns", "add", name]) }

    deinit { _ = try? spawn(["ip", "netns", "delete", name]) }

    /// `nft -f FILE` inside the namespace.
    func loadWithNft(_ path: String) throws -> (milliseconds: Double, peakRSS: Double) {
        try spawn(["ip", "netns", "exec", name, "nft", "-f", path])
    }

    /// What `ip netns exec` alone costs, to read `nft -f` figures fairly.
    func execOverhead() throws -> Double {
        median(try (0..<5).map { _ in try spawn(["ip", "netns", "exec", name, "true"]).milliseconds })
    }
}
