import ClusterModel
import Compiler
import Foundation
import Glibc
import KubeClient
import Logging
import Reconciler

/// One in-process agent (the same NodeSync the binary runs) against an event source: how long the
/// first sync takes, then how long a pod added through the API takes to be live in the kernel, one
/// pod at a time, and where that time goes.
struct PipelineRun {
    struct Figures {
        var initialSync: Duration
        var initialSyncCPU: Duration
        var events: [EventTiming]
    }

    /// One pod addition, from the source's write to the kernel's ACK.
    struct EventTiming {
        var total: Duration
        /// Source's write → in the cache: the source's own work (none for the replay), loopback,
        /// libcurl, line decode, validation and the cache insert.
        var toCache: Duration
        /// Cache → the reconciler taking the change in (the wake-up).
        var wake: Duration
        /// Feeding the compiler, compiling, comparing with the table in force.
        var compile: Duration
        /// The netlink transaction, to the kernel's ACK: the diff and the batch, then the kernel.
        var netlink: Duration
        /// The kernel's share of `netlink`: from sending the batch to its last reply.
        var kernel: Duration
    }

    let source: any EventSource
    let cluster: SyntheticCluster
    let events: Int
    /// Sync by WatchList (else by LIST), as the agent's `--no-watch-list` says.
    var watchList = true

    func measure(run: Int) throws -> Figures {
        let applier = try TimingApplier(tableName: "netpol-bench")
        var logger = Logger(label: "benchmark")
        logger.logLevel = .warning
        var sync = NodeSync(connection: source.connection, node: "node-1", options: CompilerOptions(tableName: "netpol-bench"), logger: logger)
        sync.hooks.applied = applier.record
        sync.reflectorTuning.useWatchList = watchList
        let stop = StopToken()
        let cpuBefore = Self.processCPU()
        let started = ContinuousClock.now
        let threads = sync.start(applier: applier, stop: stop)
        defer {
            stop.stop()
            threads.forEach { $0.join() }
        }
        while applier.applies == 0 { Thread.sleep(forTimeInterval: 0.001) }
        let initialSync = ContinuousClock.now - started
        let initialSyncCPU = Self.processCPU() - cpuBefore

        var timings: [EventTiming] = []
        var added: [[String: Any]] = []
        for event in 0..<events {
            let (pod, ip) = Self.addedPod(run: run, event: event, cluster: cluster)
            applier.await(ip)
            let sent = ContinuousClock.now
            try source.add(pod)
            added.append(pod)
            guard let (live, round) = applier.waitUntilLive(timeout: .seconds(30)) else {
                throw BenchmarkError("pod \(ip) did not go live within 30 s")
            }
            let total = live.at - sent
            guard let round else { throw BenchmarkError("no apply record for pod \(ip)") }
            timings.append(EventTiming(total: total, toCache: total - round.cacheToKernel, wake: round.cacheToKernel - round.sync,
                                       compile: round.sync - round.apply, netlink: round.apply, kernel: live.kernelTime))
        }
        for pod in added { try source.delete(pod) }
        return Figures(initialSync: initialSync, initialSyncCPU: initialSyncCPU, events: timings)
    }

    /// A new pod on this node, selected by policy-0 of its namespace: it joins the dispatch map.
    static func addedPod(run: Int, event: Int, cluster: SyntheticCluster) -> (pod: [String: Any], ip: String) {
        let ip = "10.250.\(run + event / 250).\(event % 250 + 1)"
        let pod = SyntheticCluster.pod(id: 1_000_000 + run * 10_000 + event, namespace: SyntheticCluster.namespaceName(event % cluster.namespaces),
                                       name: "added-\(run)-\(event)", node: "node-1", ip: ip, labels: ["app": "app-0"])
        return (pod, ip)
    }

    /// User + system CPU time of this process so far.
    static func processCPU() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }
}
