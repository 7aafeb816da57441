import CoreMetrics
import Prometheus
import Synchronization

/// The agent's Prometheus metrics, all named `netpol_agent_*`, kept in one registry that /metrics
/// renders in the library's text format. Every method may be called from any thread.
public final class AgentMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let syncDuration: DurationHistogram
    private let eventToKernel: DurationHistogram
    private let programmed: [String: Prometheus.Gauge]
    private let policyCounters: PolicyCounterPublisher
    public let denyLog: DenyLogMetrics
    private let unknownPodIPsUnenforced: Prometheus.Gauge
    private let clusterPolicyAPIAvailable: Prometheus.Gauge
    private let ipvsDetected: Prometheus.Gauge
    private let ipvsVirtualServices: Prometheus.Gauge
    /// Label values of the unenforced-path gauges at 1, to set them back to 0 once fixed.
    private let unenforced = Mutex<Set<[String]>>([])

    public enum ApplyMode: String, Sendable, CaseIterable {
        /// The whole table replaced in one batch (first sync, resync, repair).
        case full
        /// Only what changed.
        case incremental
    }

    /// - Parameters:
    ///   - resources, kinds: label values created at zero up front, so rates exist before the first error.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                resources: [String] = ["namespaces", "pods", "networkpolicies", "clusternetworkpolicies"],
                kinds: [String] = ["Namespace", "Pod", "NetworkPolicy", "ClusterNetworkPolicy"]) {
        self.registry = registry
        syncDuration = registry.makeDurationHistogram(
            descriptor: Self.name("sync_duration", "seconds", "Time from picking up changes to having them applied: compile plus apply."),
            buckets: Self.latencyBuckets)
        eventToKernel = registry.makeDurationHistogram(
            descriptor: Self.name("event_to_kernel_latency", "seconds", "Time from an API watch event arriving to the ruleset reflecting it being in the kernel."),
            buckets: Self.latencyBuckets)
        programmed = Dictionary(uniqueKeysWithValues: ProgrammedObjects().fields.map { field in
            (field.name, registry.makeGauge(descriptor: Self.name("programmed_" + field.name, "", "\(field.help) in the ruleset last applied.")))
        })
        policyCounters = PolicyCounterPublisher(registry: registry)
        denyLog = DenyLogMetrics(registry: registry)
        unknownPodIPsUnenforced = registry.makeGauge(descriptor: Self.name(
            "unknown_pod_ips_unenforced", "", "1 while --unknown-pod-ips deny cannot be enforced: the node's pod CIDRs are unknown."))
        clusterPolicyAPIAvailable = registry.makeGauge(descriptor: Self.name(
            "cluster_network_policy_api_available", "",
            "1 while the API server serves policy.networking.k8s.io/v1alpha2 clusternetworkpolicies (and the agent watches them), else 0."))
        ipvsDetected = registry.makeGauge(descriptor: Self.name(
            "ipvs_detected", "", "1 when the node shows kube-proxy IPVS state (virtual services or the kube-ipvs0 link), which the agent does not support."))
        ipvsVirtualServices = registry.makeGauge(descriptor: Self.name(
            "ipvs_virtual_services", "", "IPVS virtual services in /proc/net/ip_vs at the last check."))
        for mode in ApplyMode.allCases {
            _ = applyDuration(mode)
            _ = applyFailures(mode)
        }
        for resource in resources {
            _ = watchRestarts(resource)
            _ = apiErrors(resource)
        }
        for kind in kinds { _ = rejected(kind) }
    }

    /// One pass of the reconcile loop: compile and apply.
    public func recordSync(duration: Duration) {
        syncDuration.record(duration)
    }

    /// One netlink batch committed to the kernel.
    public func recordApply(_ mode: ApplyMode, duration: Duration) {
        applyDuration(mode).record(duration)
    }

    /// A batch the kernel refused, or that could not be sent.
    public func recordApplyFailure(_ mode: ApplyMode) {
        applyFailures(mode).increment()
    }

    /// Latency from a watch event's arrival to the apply that includes it.
    public func recordEventToKernel(latency: Duration) {
        eventToKernel.record(latency)
    }

    /// What the ruleset last applied holds.
    public func setUnknownPodIPsUnenforced(_ unenforced: Bool) {
        unknownPodIPsUnenforced.set(Int64(unenforced ? 1 : 0))
    }

    public func setClusterPolicyAPIAvailable(_ available: Bool) {
        clusterPolicyAPIAvailable.set(Int64(available ? 1 : 0))
    }

    public func setProgrammed(_ objects: ProgrammedObjects) {
        for field in objects.fields { programmed[field.name]?.set(Int64(field.value)) }
    }

    /// A watch of `resource` (e.g. "pods") ended and was started again, or fell back to a relist.
    public func recordWatchRestart(resource: String) {
        watchRestarts(resource).increment()
    }

    /// A list or watch request for `resource` failed (connection, HTTP status, decoding).
    public func recordAPIError(resource: String) {
        apiErrors(resource).increment()
    }

    /// A request sent to the API server, by resource and kind ("watchList", "listAnyVersion", …).
    public func recordAPIRequest(resource: String, request: String) {
        registry.makeCounter(descriptor: Self.name("api_requests", "total", "List and watch requests sent, by resource and kind of request."),
                             labels: [("resource", resource), ("request", request)]).increment()
    }

    /// A sync of the whole state of `resource` began, and why ("start", "expired", …).
    public func recordRelist(resource: String, cause: String) {
        registry.makeCounter(descriptor: Self.name("relists", "total", "Syncs of a resource's whole state (WatchList or LIST), by resource and cause."),
                             labels: [("resource", resource), ("cause", cause)]).increment()
    }

    /// The API server's Retry-After was waited out before a request was sent again.
    public func recordRetryAfter(wait: Duration) {
        registry.makeCounter(descriptor: Self.name("retry_after_waits", "total", "Requests sent again after the API server's Retry-After."))
            .increment()
        registry.makeCounter(descriptor: Self.name("retry_after_wait", "seconds_total", "Time spent waiting out the API server's Retry-After."))
            .increment(by: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
    }

    /// What the last check for kube-proxy's IPVS mode found (at startup and at every resync).
    public func setIPVSState(detected: Bool, virtualServices: Int) {
        ipvsDetected.set(Int64(detected ? 1 : 0))
        ipvsVirtualServices.set(Int64(virtualServices))
    }

    /// What the node check found: `netpol_agent_node_path_unenforced{bridge,setting}` is 1 for each path
    /// of local pods' traffic the table cannot see, and 0 for paths reported before and fixed since.
    public func setUnenforcedPaths(_ paths: [(bridge: String, setting: String)]) {
        let current = Set(paths.map { [$0.bridge, $0.setting] })
        let previous = unenforced.withLock { state in
            defer { state = current }
            return state
        }
        for labels in previous.union(current) {
            registry.makeGauge(descriptor: Self.name("node_path_unenforced", "", "Local pods' traffic the agent's hooks cannot see, by bridge and missing setting (1: not enforced)."),
                               labels: [("bridge", labels[0]), ("setting", labels[1])])
                .set(Int64(current.contains(labels) ? 1 : 0))
        }
    }

    /// An object of `kind` (e.g. "NetworkPolicy") failed validation and was not compiled.
    public func recordRejected(kind: String) {
        rejected(kind).increment()
    }

    /// Publishes the kernel's per-policy counters as `netpol_agent_policy_packets_total` and
    /// `netpol_agent_policy_bytes_total{namespace,policy,tier,direction,verdict}`.
    ///
    /// Pass every counter read at once: the readings are absolute kernel values. Readings with the same
    /// labels are added up; a value lower than the previous one means the kernel counter was recreated
    /// and counts from zero; policies missing from a snapshot lose their series.
    /// - Parameter readings: `policy` is "namespace/name" ("/name" for a ClusterNetworkPolicy, which has no
    ///   namespace); `direction` is "ingress" or "egress".
    public func publishPolicyCounters(_ readings: [PolicyCounterReading]) {
        policyCounters.publish(readings)
    }

    /// The Prometheus text exposition of every metric in the registry.
    public func exposition() -> String {
        registry.emitToString()
    }

    /// Routes swift-metrics (`Counter(label:)`, `Timer(label:)`, … anywhere in the process) into this
    /// registry, so /metrics shows them too. swift-metrics allows this once per process.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    // The registry returns the existing metric for a name and labels already registered.

    private func applyDuration(_ mode: ApplyMode) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: Self.name("apply_duration", "seconds", "Time to commit one ruleset batch to the kernel, by mode."),
            labels: [("mode", mode.rawValue)], buckets: Self.latencyBuckets)
    }

    private func applyFailures(_ mode: ApplyMode) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name("apply_failures", "total", "Ruleset batches that failed to reach the kernel, by mode."),
                             labels: [("mode", mode.rawValue)])
    }

    private func watchRestarts(_ resource: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name("watch_restarts", "total", "API watches restarted, by resource."),
                             labels: [("resource", resource)])
    }

    private func apiErrors(_ resource: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name("api_errors", "total", "Failed API list or watch requests, by resource."),
                             labels: [("resource", resource)])
    }

    private func rejected(_ kind: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name("rejected_objects", "total", "Objects rejected as invalid and left out of the ruleset, by kind."),
                             labels: [("kind", kind)])
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "netpol_agent", metricName: metric, unitName: unit, helpText: help)
    }

    /// 1 ms to 60 s: an incremental batch takes well under a millisecond, a full resync at scale seconds.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
}

/// Counts of what a ruleset holds, for the `netpol_agent_programmed_*` gauges.
public struct ProgrammedObjects: Sendable, Equatable {
    public var pods: Int
    public var policies: Int
    public var namespaces: Int
    public var sets: Int
    public var setElements: Int
    public var chains: Int
    public var rules: Int

    public init(pods: Int = 0, policies: Int = 0, namespaces: Int = 0, sets: Int = 0, setElements: Int = 0, chains: Int = 0, rules: Int = 0) {
        self.pods = pods
        self.policies = policies
        self.namespaces = namespaces
        self.sets = sets
        self.setElements = setElements
        self.chains = chains
        self.rules = rules
    }

    /// Each count with its gauge's name suffix and help.
    var fields: [(name: String, help: String, value: Int)] {
        [("pods", "Pods", pods), ("policies", "NetworkPolicies", policies), ("namespaces", "Namespaces", namespaces),
         ("sets", "nftables sets and maps", sets), ("set_elements", "Elements of all sets and maps", setElements),
         ("chains", "nftables chains", chains), ("rules", "nftables rules", rules)]
    }
}
