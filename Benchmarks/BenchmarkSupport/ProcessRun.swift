import Foundation
import Glibc

/// Runs a program with its stdout written to `stdout` (discarded by default); returns its wall time (ms),
/// CPU time (user + system, ms) and peak RSS (MiB).
public func spawn(_ arguments: [String], stdout: String = "/dev/null") throws -> (milliseconds: Double, cpuMilliseconds: Double, peakRSS: Double) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
    let cpu = milliseconds(usage.ru_utime) + milliseconds(usage.ru_stime)
    return (elapsed, cpu, Double(usage.ru_maxrss) / 1024)
}

private func milliseconds(_ time: timeval) -> Double {
    Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
