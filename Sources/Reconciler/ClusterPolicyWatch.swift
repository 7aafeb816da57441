import ClusterCache
import ClusterModel
import Foundation
import KubeClient
import Logging

/// Follows whether the API server serves policy.networking.k8s.io/v1alpha2 clusternetworkpolicies
/// (a CRD that may be installed or deleted at any time), and while it does, runs a reflector for
/// them and one for all Nodes (`nodes` peers). When they stop being served (discovery answers 404,
/// as it does once the CRD is deleted, for `tuning.absenceConfirmation`), the reflectors stop and every ClusterNetworkPolicy leaves
/// the cache, so their rules leave the table. Discovery is asked at start, every
/// `tuning.recheckInterval`, and at once whenever a request of those reflectors fails (a deleted
/// CRD makes their list and watch answer 404 before the next periodic check).
public struct ClusterPolicyWatch: Sendable {
    let connection: ClusterConnection
    let cache: ClusterCache
    let reflectorTuning: ReflectorTuning
    let tuning: ClusterPolicyTuning
    let hooks: SyncHooks
    let logger: Logger

    public init(connection: ClusterConnection, cache: ClusterCache, reflectorTuning: ReflectorTuning = ReflectorTuning(),
                tuning: ClusterPolicyTuning = ClusterPolicyTuning(), hooks: SyncHooks = SyncHooks(), logger: Logger) {
        self.connection = connection
        self.cache = cache
        self.reflectorTuning = reflectorTuning
        self.tuning = tuning
        self.hooks = hooks
        self.logger = logger
    }

    /// Runs on the calling thread until `stop` is stopped; the reflectors it started stop with it.
    public func run(stop: StopToken) {
        let recheck = ChangeSignal()
        var reflectors: RunningReflectors?
        var served: Bool?
        var absentSince: ContinuousClock.Instant?
        var lastError: String?
        while !stop.isStopped {
            switch discover(stop: stop) {
            case .success(let answer):
                lastError = nil
                if !answer, served == true {
                    let since = absentSince ?? .now
                    if absentSince == nil {
                        logger.warning("\(ClusterNetworkPoliciesResource.groupVersion) answers not served; their rules stay unless that lasts \(tuning.absenceConfirmation.loggable)")
                    }
                    absentSince = since
                    let left = tuning.absenceConfirmation - (ContinuousClock.now - since)
                    if left > .zero {
                        wait(for: left, or: recheck, stop: stop)
                        continue
                    }
                }
                absentSince = nil
                if answer != served {
                    reflectors = answer ? start(recheck: recheck) : withdraw(reflectors, wasServed: served)
                    served = answer
                    hooks.clusterPolicyAPIAvailable(answer)
                }
            case .failure(let error):
                // Unknown: whatever runs keeps running; the next check decides.
                if "\(error)" != lastError {
                    logger.warning("asking whether ClusterNetworkPolicies are served failed: \(error); asking again")
                    lastError = "\(error)"
                }
            }
            wait(for: served == nil ? min(tuning.recheckInterval, .seconds(5)) : tuning.recheckInterval, or: recheck, stop: stop)
        }
        reflectors?.stop()
    }

    private func discover(stop: StopToken) -> Result<Bool, APIError> {
        let client: APIClient
        do {
            client = try APIClient(connection: connection)
        } catch {
            return .failure(.transport(error))
        }
        do throws(APIError) {
            let list = try client.resources(in: ClusterNetworkPoliciesResource.groupVersion, stop: stop)
            return .success(list?.serves(ClusterNetworkPoliciesResource.name) ?? false)
        } catch {
            return .failure(error)
        }
    }

    private func start(recheck: ChangeSignal) -> RunningReflectors {
        logger.info("\(ClusterNetworkPoliciesResource.groupVersion) \(ClusterNetworkPoliciesResource.name) are served: watching them and all Nodes")
        cache.clusterPolicyAPI(served: true)
        var recheckingHooks = hooks.reflectors
        let failed = recheckingHooks.requestFailed
        recheckingHooks.requestFailed = { resource, error in
            failed(resource, error)
            recheck.notify()
        }
        let (connection, cache, tuning, logger, reflectorHooks) = (connection, cache, reflectorTuning, logger, recheckingHooks)
        return RunningReflectors(loops: [
            { stop in Reflector(ClusterNetworkPoliciesResource.self, connection: connection, sink: cache.clusterPolicySink,
                                tuning: tuning, hooks: reflectorHooks, logger: logger).run(stop: stop) },
            { stop in Reflector(NodesResource.self, connection: connection, sink: cache.clusterNodeSink,
                                tuning: tuning, hooks: reflectorHooks, logger: logger).run(stop: stop) },
        ])
    }

    /// Stops the reflectors, then empties the cache of what they fed; returns nil (none running).
    private func withdraw(_ reflectors: RunningReflectors?, wasServed: Bool?) -> RunningReflectors? {
        reflectors?.stop()
        let removed = cache.clusterPolicyAPI(served: false)
        let what = "\(ClusterNetworkPoliciesResource.groupVersion) \(ClusterNetworkPoliciesResource.name)"
        if wasServed == true {
            logger.warning("\(what) are no longer served (CRD deleted?): stopped watching them; removed \(removed) ClusterNetworkPolicies and their rules")
        } else {
            logger.info("\(what) are not served (CRD not installed): enforcing NetworkPolicies only; asking again every \(tuning.recheckInterval.loggable)")
        }
        return nil
    }

    /// Waits `interval`, or less when a recheck is asked for or the agent stops.
    private func wait(for interval: Duration, or recheck: ChangeSignal, stop: StopToken) {
        let deadline = ContinuousClock.now + interval
        while !stop.isStopped, ContinuousClock.now < deadline {
            if recheck.wait(until: Date(timeIntervalSinceNow: 0.25)) { return }
        }
    }
}

/// Reflector threads with a stop token of their own, so they can stop while the agent runs on.
private final class RunningReflectors: Sendable {
    private let token = StopToken()
    private let threads: [WorkerThread]

    init(loops: [@Sendable (StopToken) -> Void]) {
        let token = token
        threads = loops.map { loop in WorkerThread { loop(token) } }
    }

    func stop() {
        token.stop()
        threads.forEach { $0.join() }
    }
}
