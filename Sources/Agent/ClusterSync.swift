import CMalloc
import Compiler
import Foundation
import Glibc
import KubeClient
import Logging
import Observability
import Reconciler
import Ruleset
import Synchronization
import SystemdNotify

/// The agent following the API server. It programs the network namespace it was started in, and
/// nothing it uses is host-wide (no lock, pid or socket file), so one agent per namespace can run
/// on the same host.
enum ClusterSync {
    /// `dryRun`: print the ruleset of one sync, giving up after this long.
    static func run(kubeconfig: String?, node: String, options: CompilerOptions, fixedNodeNetwork: NodeNetwork?, dryRun: Duration?,
                    watchList: Bool = true, observability: ObservabilityOptions) throws {
        // Watch lines and LIST pages grow buffers up to their limits (16 and 64 MiB). glibc raises its
        // mmap threshold after such a buffer is freed, so the next ones come from the heap and stay
        // resident; a fixed threshold maps every buffer over 1 MiB and unmaps it when freed.
        _ = map_allocations_from(1 << 20)
        var logger = Logger(label: "netpol-agent")
        logger[metadataKey: "node"] = "\(node)"
        let connection = try ConnectionResolver.resolve(kubeconfig: kubeconfig, environment: ProcessInfo.processInfo.environment)
        logger.info("API server \(connection.server) from \(connection.origin)")
        var sync = NodeSync(connection: connection, node: node, options: options, logger: logger)
        sync.fixedNodeNetwork = fixedNodeNetwork
        sync.reflectorTuning.useWatchList = watchList
        if let timeout = dryRun {
            let ruleset = try firstRuleset(sync, timeout: timeout)
            print(NftTextRenderer.render(ruleset, header: ["netpol-agent ruleset for node \(node) from \(connection.server); load with: nft -f FILE"]),
                  terminator: "")
        } else {
            try enforce(sync, observability: observability)
        }
    }

    /// Enforces until SIGTERM or SIGINT. The table stays in the kernel afterwards, enforcing the
    /// last state, and the next agent's first sync replaces it atomically.
    private static func enforce(_ sync: NodeSync, observability: ObservabilityOptions) throws {
        // Blocked before any thread starts, so that every thread inherits the block.
        let signals = SignalWaiter([SIGTERM, SIGINT])
        let notifier = SystemdNotifier()
        let telemetry = AgentTelemetry(metrics: AgentMetrics(), health: HealthState(thresholds: observability.healthThresholds),
                                       notifier: notifier)
        let server = try ObservabilityServer(address: observability.metricsAddress, metrics: telemetry.metrics,
                                             health: telemetry.health).startInBackground()
        sync.logger.info("metrics and health on http://\(observability.metricsAddress)")
        let watchdog = SystemdWatchdog.intervalFromEnvironment().map { interval in
            SystemdWatchdog(notifier: notifier, interval: interval) { telemetry.health.liveness.isOK }
        }
        let logger = sync.logger
        let applier = try KernelAccess.attempt {
            try KernelApplier(tableName: sync.options.tableName, revocationLabelBit: sync.options.revocationLabelBit) { report, took in
                guard report.revoked + report.deleted > 0 else { return }
                logger.info("""
                    revoked \(report.revoked) connections the new policies deny, deleted \(report.deleted) (no label room); \
                    \(report.examined) entries of \(report.addresses) pod addresses examined in \(took)
                    """)
            }
        }
        for warning in applier.socketWarnings { sync.logger.warning("netlink socket: \(warning)") }
        var sync = sync
        sync.hooks = telemetry.hooks
        let stop = StopToken()
        var denyLogThreads: [WorkerThread] = []
        if let logging = sync.options.denyLogging {
            let reader = DenyLogReader(logger: logger, metrics: telemetry.metrics.denyLog)
            let applied = sync.hooks.applied
            sync.hooks.applied = { record in
                reader.applied(record.denyLog)
                applied(record)
            }
            denyLogThreads.append(reader.start(group: logging.group, stop: stop))
            logger.info("deny rules log to nflog group \(logging.group), at most \(logging.packetsPerSecond) packets/s")
        }
        // The node's paths, at the first sync and at every resync: bridges whose traffic the hooks cannot
        // see (which fail /readyz), and kube-proxy's IPVS mode, which is unsupported (a warning).
        let ipvs = IPVSCheck()
        sync.checkNode = { [metrics = telemetry.metrics] addresses in
            ipvs.report(to: logger, metrics: metrics)
            return NodePathCheck().unenforced(podAddresses: addresses)
        }
        let threads = denyLogThreads + sync.start(applier: applier, stop: stop) + [WorkerThread {
            // Per-policy packet counts: read the table's named counters through netlink now and then.
            while stop.sleep(for: .seconds(10)) {
                do {
                    telemetry.publish(try applier.readCounters())
                } catch {
                    logger.warning("reading the policy counters from the kernel failed: \(error)")
                }
            }
        }]
        let received = signals.wait()
        sync.logger.info("signal \(received): stopping; the table stays in force")
        try? notifier.notify(.stopping)
        stop.stop()
        threads.forEach { $0.join() }
        watchdog?.stop()
        server.shutdown()
    }

    /// Lists everything once and returns the ruleset that the first apply would write; gives up
    /// after `timeout` with the last error (an unreachable server, a refused certificate).
    private static func firstRuleset(_ sync: NodeSync, timeout: Duration) throws -> Ruleset {
        let stop = StopToken()
        let capture = FirstRuleset(stop: stop)
        var sync = sync
        sync.hooks.reflectors.requestFailed = { resource, error in capture.failed("\(resource): \(error)") }
        let threads = sync.start(applier: capture, stop: stop)
        stop.sleep(for: timeout)
        stop.stop()
        threads.forEach { $0.join() }
        guard let ruleset = capture.ruleset else {
            let cause = capture.lastFailure.map { "; last error: \($0)" } ?? ""
            throw AgentError("no complete list of namespaces, pods and networkpolicies from \(sync.connection.server) "
                             + "within \(timeout.loggable)\(cause)")
        }
        return ruleset
    }
}

/// Takes the first ruleset instead of programming the kernel, and ends the run (for --dry-run);
/// keeps the last request failure, to say why there is none.
private final class FirstRuleset: RulesetApplier {
    private let stop: StopToken
    private let captured = Mutex<Ruleset?>(nil)
    private let failure = Mutex<String?>(nil)

    init(stop: StopToken) { self.stop = stop }

    var ruleset: Ruleset? { captured.withLock { $0 } }
    var lastFailure: String? { failure.withLock { $0 } }

    func failed(_ error: String) { failure.withLock { $0 = error } }

    func apply(_ ruleset: Ruleset) throws -> AppliedChange {
        captured.withLock { $0 = $0 ?? ruleset }
        stop.stop()
        return .unchanged
    }
}

struct AgentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
