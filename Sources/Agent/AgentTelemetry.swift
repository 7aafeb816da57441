import Compiler
import KubeClient
import NftNetlink
import Observability
import Reconciler
import Synchronization
import SystemdNotify

/// Connects the sync loop's hooks to the metrics, the health endpoints and systemd.
final class AgentTelemetry: Sendable {
    let metrics: AgentMetrics
    let health: HealthState
    private let notifier: SystemdNotifier
    private let synced = Atomic(false)
    /// The counters of the table last applied, for turning kernel readings into per-policy figures.
    private let counters = Mutex<[String: CounterAttribution]>([:])

    init(metrics: AgentMetrics, health: HealthState, notifier: SystemdNotifier) {
        self.metrics = metrics
        self.health = health
        self.notifier = notifier
    }

    var hooks: SyncHooks {
        var hooks = SyncHooks()
        hooks.reflectors.requestSucceeded = { [health] resource in health.apiSucceeded(resource: resource) }
        hooks.reflectors.requestFailed = { [metrics, health] resource, error in
            metrics.recordAPIError(resource: resource)
            health.apiFailed(resource: resource, error: error)
        }
        hooks.reflectors.watchRestarted = { [metrics] resource in metrics.recordWatchRestart(resource: resource) }
        hooks.reflectors.requestSent = { [metrics] resource, request in metrics.recordAPIRequest(resource: resource, request: request.rawValue) }
        hooks.reflectors.relistStarted = { [metrics] resource, cause in metrics.recordRelist(resource: resource, cause: cause.rawValue) }
        hooks.reflectors.retryAfterWaited = { [metrics] _, wait in metrics.recordRetryAfter(wait: wait) }
        hooks.objectRejected = { [metrics] kind in metrics.recordRejected(kind: kind) }
        hooks.nodeChecked = { [metrics, health] unenforced in
            metrics.setUnenforcedPaths(unenforced.map { ($0.bridge, $0.setting) })
            health.nodeChecked(unenforced: unenforced.map(\.description))
        }
        hooks.applied = { [self] record in applied(record) }
        hooks.unknownPodIPsUnenforced = { [metrics] unenforced in metrics.setUnknownPodIPsUnenforced(unenforced) }
        hooks.clusterPolicyAPIAvailable = { [metrics, health] available in
            metrics.setClusterPolicyAPIAvailable(available)
            // Its reflectors stopped: a failure they reported last no longer stands (the own-Node
            // reflector, which shares the name "nodes", reports its next failure anew).
            if !available {
                for resource in [ClusterNetworkPoliciesResource.name, NodesResource.name] { health.apiSucceeded(resource: resource) }
            }
        }
        hooks.applyFailed = { [self] error in
            metrics.recordApplyFailure(synced.load(ordering: .relaxed) ? .incremental : .full)
            health.applyFailed(error)
        }
        return hooks
    }

    private func applied(_ record: ApplyRecord) {
        metrics.recordSync(duration: record.syncDuration)
        switch record.change {
        case .full: metrics.recordApply(.full, duration: record.applyDuration)
        case .delta: metrics.recordApply(.incremental, duration: record.applyDuration)
        case .unchanged: break
        }
        if let latency = record.eventToKernel { metrics.recordEventToKernel(latency: latency) }
        let table = record.ruleset.table
        metrics.setProgrammed(ProgrammedObjects(
            pods: record.cached.pods, policies: record.cached.policies, namespaces: record.cached.namespaces,
            sets: table.sets.count, setElements: table.sets.reduce(0) { $0 + $1.elements.count },
            chains: table.chains.count, rules: table.chains.reduce(0) { $0 + $1.rules.count }))
        counters.withLock { $0 = record.counters }
        health.applySucceeded()
        // The first apply is the first full sync in the kernel: ready, for Kubernetes and systemd.
        if !synced.exchange(true, ordering: .relaxed) {
            health.fullSyncCompleted()
            try? notifier.notify([.ready, .status("enforcing: \(record.cached.policies) policies, \(record.cached.pods) pods")])
        }
    }

    /// Publishes kernel counter readings per policy, direction and verdict.
    func publish(_ readings: [String: CounterValues]) {
        if let suppressed = readings[DenyLogging.suppressedCounterName] { metrics.denyLog.publishSuppressed(suppressed.packets) }
        let attribution = counters.withLock { $0 }
        var perPolicy: [PolicyCounterReading] = []
        for (name, values) in readings {
            guard let counted = attribution[name] else { continue }
            for policy in counted.policies {
                perPolicy.append((policy: "\(policy.namespace ?? "")/\(policy.name)", tier: counted.tier.rawValue,
                                  direction: counted.direction.rawValue, verdict: PolicyVerdict(rawValue: counted.verdict.rawValue)!,
                                  packets: values.packets, bytes: values.bytes))
            }
        }
        metrics.publishPolicyCounters(perPolicy)
    }
}
