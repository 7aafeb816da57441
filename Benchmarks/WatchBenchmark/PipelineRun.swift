import ClusterModel
import Compiler
import FakeAPIServerSupport
import Foundation
import Glibc
import KubeClient
import Logging
import Reconciler

/// One in-process agent (the same NodeSync the binary runs) against the loaded fake API server:
/// how long the first sync takes, then how long a pod added through the API takes to be live in
/// the kernel, one pod at a time.
struct PipelineRun {
    struct Figures {
        var initialSync: Duration
        var initialSyncCPU: Duration
        var latencies: [Duration]
    }

    let server: FakeAPIServer
    let connection: ClusterConnection
    let cluster: SyntheticCluster
    let events: Int

    func measure(run: Int) throws -> Figures {
        let applier = TimingApplier(try KernelApplier(tableName: "netpol-bench"))
        var logger = Logger(label: "benchmark")
        logger.logLevel = .warning
        let sync = NodeSync(connection: connection, node: "node-1", options: CompilerOptions(tableName: "netpol-bench"), logger: logger)
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

        var latencies: [Duration] = []
        for event in 0..<events {
            // A new pod on this node, selected by policy-0 of its namespace: it joins the dispatch map.
            let ip = "10.250.\(run).\(event + 1)"
            let pod = SyntheticCluster.pod(id: 1_000_000 + run * 1000 + event, namespace: SyntheticCluster.namespaceName(event % cluster.namespaces),
                                           name: "added-\(run)-\(event)", node: "node-1", ip: ip, labels: ["app": "app-0"])
            applier.await(ip)
            let sent = ContinuousClock.now
            try server.apply(pod)
            guard let live = applier.waitUntilLive(timeout: .seconds(30)) else {
                throw FakeAPIServerError("pod \(ip) did not go live within 30 s")
            }
            latencies.append(live - sent)
        }
        for event in 0..<events {
            try server.delete(kind: "Pod", namespace: SyntheticCluster.namespaceName(event % cluster.namespaces), name: "added-\(run)-\(event)")
        }
        return Figures(initialSync: initialSync, initialSyncCPU: initialSyncCPU, latencies: latencies)
    }

    /// User + system CPU time of this process so far.
    static func processCPU() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }
}
