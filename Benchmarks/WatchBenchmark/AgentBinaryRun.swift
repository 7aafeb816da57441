import Foundation
import Glibc

/// The real agent binary against the loaded fake API server: time until its table exists in the
/// kernel (its first write comes right after the first complete sync), its CPU time for that, and
/// its resident memory once synced; then its CPU time per pod added (events a few milliseconds apart,
/// so each is reconciled on its own rather than coalesced).
struct AgentBinaryRun {
    struct Figures {
        var initialSync: Duration
        var initialSyncCPU: Duration
        var residentBytes: Int
        var cpuPerEvent: Duration
        /// RSS and CPU were read at the agent's `synced:` line (else once it went idle).
        var atSyncedLine: Bool
    }

    /// The agent executable to run.
    var binary = Self.binary
    let source: any EventSource
    let kubeconfig: String
    let cluster: SyntheticCluster
    let events: Int
    /// Sync by WatchList (else with `--no-watch-list`).
    var watchList = true

    /// The agent built beside this benchmark.
    static let binary: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("agent").path
    }()

    func measure(run: Int) throws -> Figures {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchmarkError("no agent binary at \(binary): build it first (swift build -c release --product agent)")
        }
        // Each agent writes its table from nothing: one left by the agent before (the baseline's, in
        // the same run) would turn the first write into a dump and a delta, whose cost is not a sync's.
        let table = "netpol-rss-\(run)"
        Self.deleteTable(table)
        defer { Self.deleteTable(table) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--kubeconfig", kubeconfig, "--node", "node-1", "--table", table] + (watchList ? [] : ["--no-watch-list"])
        let log = SyncedLine()
        process.standardError = log.pipe
        let started = ContinuousClock.now
        try process.run()
        log.startReading()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        while !Self.tableExists(table) {
            guard process.isRunning else { throw BenchmarkError("the agent exited with \(process.terminationStatus)") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let synced = ContinuousClock.now - started
        let pid = process.processIdentifier
        // What follows the first write (giving freed memory back) is part of the sync.
        let cpu = try Self.cpuOnceSynced(pid, log: log)
        let resident = Self.residentBytes(of: pid)

        var added: [[String: Any]] = []
        var lastIP = ""
        for event in 0..<events {
            let (pod, ip) = PipelineRun.addedPod(run: run, event: event, cluster: cluster)
            try source.add(pod)
            added.append(pod)
            lastIP = ip
            Thread.sleep(forTimeInterval: 0.002)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !Self.element(lastIP, isIn: "ingress_v4", of: table) {
            guard ContinuousClock.now < deadline else { throw BenchmarkError("pod \(lastIP) did not go live within 30 s") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let eventsCPU = try Self.cpu(of: pid) - cpu
        for pod in added { try source.delete(pod) }
        return Figures(initialSync: synced, initialSyncCPU: cpu, residentBytes: resident, cpuPerEvent: eventsCPU / max(1, events),
                       atSyncedLine: log.isSeen)
    }

    /// User + system CPU time of a process so far.
    static func cpu(of pid: Int32) throws -> Duration {
        let status = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses): utime and stime are fields 14 and 15.
        let fields = status[status.range(of: ")")!.upperBound...].split(separator: " ")
        let ticks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        return .microseconds(ticks * 1_000_000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The CPU time of a process once its log says the first sync is in the kernel and memory trimmed;
    /// for an agent without that line, once it has used none for 400 ms (20 polls), or after 10 s. On
    /// a loaded machine an agent still working after its table appeared (the revocation dump, giving
    /// freed memory back) can go unscheduled for 60 ms, and RSS read then is that before the trim.
    static func cpuOnceSynced(_ pid: Int32, log: SyncedLine) throws -> Duration {
        var last = try cpu(of: pid), unchanged = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while !log.isSeen, unchanged < 20, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            let now = try cpu(of: pid)
            unchanged = now == last ? unchanged + 1 : 0
            last = now
        }
        return log.isSeen ? try cpu(of: pid) : last
    }

    static func element(_ address: String, isIn map: String, of table: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        process.arguments = ["get", "element", "inet", table, map, "{ \(address) }"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func deleteTable(_ name: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        process.arguments = ["delete", "table", "inet", name]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? process.run()) != nil else { return }
        process.waitUntilExit()
    }

    /// One netlink dump of table names through nft: cheap whatever the table holds.
    static func tableExists(_ name: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nft")
        process.arguments = ["list", "tables"]
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return false }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.contains("table inet \(name)\n")
    }

    static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
