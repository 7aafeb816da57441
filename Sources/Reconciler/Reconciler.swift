import CMalloc
import ClusterCache
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import KubeClient
import Logging
import Ruleset

/// Keeps the kernel's table equal to what the cached cluster compiles to.
///
/// Changes coalesce in the cache; each round drains them into an incremental compiler and applies
/// the result (as a delta: the applier sends only differences). Nothing is written before every kind
/// has been listed once: until then (and whenever the API server is unreachable) the table already
/// in the kernel, say from before an agent restart, stays in force. The first write replaces that
/// table atomically; a periodic resync lets the applier find and repair drift.
public final class Reconciler: Sendable {
    private let cache: ClusterCache
    private let signal: ChangeSignal
    private let applier: any RulesetApplier
    private let node: String
    private let options: CompilerOptions
    /// `--pod-cidr`: the node's network as given, instead of its Node object's.
    private let fixedNodeNetwork: NodeNetwork?
    private let tuning: ReconcilerTuning
    private let hooks: SyncHooks
    private let checkNode: NodeCheck?
    private let logger: Logger

    /// Looks for paths of local pods' traffic the table cannot see (`NodePathCheck.unenforced`), given
    /// the local pods' addresses.
    public typealias NodeCheck = @Sendable (_ podAddresses: [IPAddress]) -> [UnenforcedPath]

    public init(cache: ClusterCache, signal: ChangeSignal, applier: any RulesetApplier, node: String,
                options: CompilerOptions = CompilerOptions(), fixedNodeNetwork: NodeNetwork? = nil,
                tuning: ReconcilerTuning = ReconcilerTuning(), hooks: SyncHooks = SyncHooks(), checkNode: NodeCheck? = nil,
                logger: Logger) {
        self.fixedNodeNetwork = fixedNodeNetwork
        self.hooks = hooks
        self.checkNode = checkNode
        self.cache = cache
        self.signal = signal
        self.applier = applier
        self.node = node
        self.options = options
        self.tuning = tuning
        self.logger = logger
    }

    /// Runs on the calling thread until `stop` is stopped. Returns without touching the table.
    public func run(stop: StopToken) {
        var round = Round(compiler: NodeCompiler(node: node, options: options),
                          nextResync: ContinuousClock.now + tuning.resyncInterval,
                          retries: Backoff(initial: tuning.retryDelay, cap: tuning.maximumRetryDelay))
        while !stop.isStopped {
            // Short waits keep a stop responsive without a second wake-up channel; a retry due sooner
            // ends the wait then.
            _ = signal.wait(until: Self.wakeUp(retryAt: round.retryAt))
            let written = stop.isStopped ? nil : cache.drainChanges().flatMap { reconcile($0, &round) }
            if let written { afterWrite(written, &round) }
            hooks.roundCompleted()
        }
    }

    /// A whole table was built and written (the first sync, whatever the kernel held before; a
    /// repair): what compiling it, its netlink batch and the changes taken in used is free now, most
    /// of it in pages glibc would keep; given back, the agent's resident memory is what it holds. The
    /// first sync says so once, when that memory is given back (benchmarks read RSS at that line).
    private func afterWrite(_ written: AppliedChange, _ round: inout Round) {
        guard written == .full || !round.synced else { return }
        release_free_memory()
        guard !round.synced else { return }
        round.synced = true
        let counts = round.fed
        logger.info("""
            synced: \(counts.pods) pods, \(counts.policies) policies, \(counts.namespaces) namespaces in the table; \
            memory trimmed, \(heap_bytes_in_use() >> 20) MiB allocated
            """)
    }

    private static func wakeUp(retryAt: ContinuousClock.Instant?) -> Date {
        let tick = Date(timeIntervalSinceNow: 0.25)
        guard let retryAt else { return tick }
        let left = (retryAt - ContinuousClock.now).components
        return min(tick, Date(timeIntervalSinceNow: max(0, Double(left.seconds) + Double(left.attoseconds) / 1e18)))
    }

    /// The loop's state, confined to its thread.
    private struct Round {
        var compiler: NodeCompiler
        /// What the kernel holds as far as we know; nil: unknown (not yet written, or a write failed).
        var applied: Ruleset?
        var nextResync: ContinuousClock.Instant
        var retryAt: ContinuousClock.Instant?
        /// Failed applies since the last success decide the next retry's delay.
        var retries: Backoff
        /// The oldest change not yet in the kernel (kept across failed applies).
        var pendingSince: ContinuousClock.Instant?
        /// The node network the compiler has; nil: none known yet.
        var nodeNetwork: NodeNetwork?
        /// Whether strict mode was last reported as unenforced.
        var strictModeUnenforced: Bool?
        /// When the node's paths are checked next: at the first round, then once per resync interval
        /// (whether or not applies succeed meanwhile).
        var nextNodeCheck = ContinuousClock.now
        /// A table was written once: the initial sync is in the kernel.
        var synced = false
        /// What the cache held when the changes fed to the compiler so far were drained: what the
        /// next table written holds.
        var fed: (namespaces: Int, pods: Int, policies: Int) = (0, 0, 0)
    }

    /// Returns how the table was written, if it was.
    private func reconcile(_ changes: CacheChanges, _ round: inout Round) -> AppliedChange? {
        let now = ContinuousClock.now
        // The first changes (nothing written nor refused yet) are every pod at once: the compiler's
        // tables are sized once instead of doubling their way there.
        if !round.synced && round.retries.failures == 0 { round.compiler.reserveCapacity(pods: changes.pods.count) }
        Self.feed(changes, into: &round.compiler)
        round.fed = changes.cached
        let networkChanged = updateNodeNetwork(&round)
        if let since = changes.since { round.pendingSince = min(round.pendingSince ?? since, since) }
        let resync = now >= round.nextResync
        if now >= round.nextNodeCheck {
            checkPaths(podAddresses: round.compiler.localPodAddresses)
            round.nextNodeCheck = now + tuning.resyncInterval
        }
        if let retryAt = round.retryAt, now < retryAt { return nil }
        guard !changes.isEmpty || networkChanged || resync || round.applied == nil else { return nil }

        let ruleset = round.compiler.ruleset()
        // An unchanged ruleset needs no write, except at a resync, which lets the applier find drift.
        guard resync || ruleset != round.applied else { return nil }
        do {
            let applyStart = ContinuousClock.now
            let change = try applier.apply(ruleset)
            let done = ContinuousClock.now
            hooks.applied(ApplyRecord(change: change, applyDuration: done - applyStart, syncDuration: done - now,
                                      eventToKernel: round.pendingSince.map { done - $0 }, ruleset: ruleset,
                                      cached: cache.counts, counters: round.compiler.counterAttribution,
                                      denyLog: round.compiler.denyLogContext))
            round.applied = ruleset
            round.retryAt = nil
            round.retries.reset()
            round.pendingSince = nil
            if resync { round.nextResync = now + tuning.resyncInterval }
            logger.debug("applied the table (\(change.rawValue)): \(changes.count) objects changed, took \((done - now).loggable)")
            return change
        } catch {
            // The kernel keeps its previous table; the retry starts from what the kernel holds.
            round.applied = nil
            let delay = round.retries.next()
            round.retryAt = ContinuousClock.now + delay
            hooks.applyFailed("\(error)")
            logger.error("programming the table failed (\(round.retries.failures) in a row), retrying in \(delay.loggable): \(error)")
            return nil
        }
    }

    /// Hands the compiler the node's pod CIDRs and addresses; says loudly (log and metric) while
    /// `--unknown-pod-ips deny` cannot be enforced for want of them. Returns whether they changed.
    private func updateNodeNetwork(_ round: inout Round) -> Bool {
        let network = fixedNodeNetwork ?? cache.nodeNetwork
        if options.unknownPodIPs == .deny {
            let unenforced = network?.podCIDRs.isEmpty ?? true
            if unenforced != round.strictModeUnenforced {
                round.strictModeUnenforced = unenforced
                hooks.unknownPodIPsUnenforced(unenforced)
                if unenforced {
                    let cause = network == nil ? "its Node object has not been read yet (is get/list/watch on nodes granted?)"
                                               : "its Node object has no spec.podCIDRs"
                    logger.error("--unknown-pod-ips deny is NOT enforced: the pod CIDRs of node \(node) are unknown: \(cause); pods the API server has not reported pass unisolated")
                } else {
                    logger.info("--unknown-pod-ips deny is enforced for pod CIDRs \(network!.podCIDRs.map(\.description))")
                }
            }
        }
        guard network != round.nodeNetwork else { return false }
        round.nodeNetwork = network
        round.compiler.setNodeNetwork(network ?? NodeNetwork())
        return true
    }

    /// At startup and at every resync: a table that cannot see the pods' traffic must not look healthy.
    private func checkPaths(podAddresses: [IPAddress]) {
        guard let checkNode else { return }
        let unenforced = checkNode(podAddresses)
        for path in unenforced {
            logger.error("\(path): NetworkPolicies between these pods are NOT enforced; on the node, \(path.remedy)")
        }
        hooks.nodeChecked(unenforced)
    }

    private static func feed(_ changes: CacheChanges, into compiler: inout NodeCompiler) {
        for change in changes.namespaces {
            switch change {
            case .upsert(let namespace): compiler.upsert(namespace)
            case .remove(let key): compiler.removeNamespace(named: key.name)
            }
        }
        for change in changes.pods {
            switch change {
            case .upsert(let pod): compiler.upsert(pod)
            case .remove(let key): compiler.removePod(ObjectReference(kind: "Pod", namespace: key.namespace, name: key.name))
            }
        }
        for change in changes.policies {
            switch change {
            case .upsert(let policy): compiler.upsert(policy)
            case .remove(let key): compiler.removePolicy(ObjectReference(kind: "NetworkPolicy", namespace: key.namespace, name: key.name))
            }
        }
        for change in changes.clusterPolicies {
            switch change {
            case .upsert(let policy): compiler.upsert(policy)
            case .remove(let key): compiler.removeClusterPolicy(named: key.name)
            }
        }
        for change in changes.nodes {
            switch change {
            case .upsert(let node): compiler.upsert(node)
            case .remove(let key): compiler.removeNode(named: key.name)
            }
        }
    }
}
