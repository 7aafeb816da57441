import ClusterCache
import KubeClient
import Logging
import Reconciler
import Synchronization
import TestSupport

/// A reconcile loop on its own thread over a fresh cache, whose turns a test can count: after two more
/// turns, the loop has seen everything the cache held when the test started waiting.
final class LoopHarness: Sendable {
    let signal = ChangeSignal()
    let cache: ClusterCache
    private let rounds = Atomic(0)

    init() {
        cache = ClusterCache(signal: signal, logger: Logger(label: "test"))
    }

    /// Runs the loop until the returned closure is called; `hooks.roundCompleted` is taken over.
    func start(applier: any RulesetApplier, tuning: ReconcilerTuning = LoopHarness.fastRetries, hooks: SyncHooks = SyncHooks(),
               checkNode: Reconciler.NodeCheck? = nil, logger: Logger = Logger(label: "test")) -> () -> Void {
        var hooks = hooks
        hooks.roundCompleted = { [self] in rounds.add(1, ordering: .relaxed) }
        let reconciler = Reconciler(cache: cache, signal: signal, applier: applier, node: "node-1", tuning: tuning, hooks: hooks,
                                    checkNode: checkNode, logger: logger)
        let stop = StopToken()
        let thread = WorkerThread { reconciler.run(stop: stop) }
        return {
            stop.stop()
            thread.join()
        }
    }

    static var fastRetries: ReconcilerTuning {
        var tuning = ReconcilerTuning()
        tuning.retryDelay = .milliseconds(20)
        tuning.maximumRetryDelay = .milliseconds(100)
        return tuning
    }

    /// Waits for two more turns of the loop.
    func settle() -> Bool {
        let target = rounds.load(ordering: .relaxed) + 2
        return eventually { rounds.load(ordering: .relaxed) >= target }
    }

    /// Every kind listed, with one namespace x, its pod a (10.0.0.1, app=web) and a policy isolating it.
    func listIsolatedPod() {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"])])
        relist(cache.policySink, [Wire.policy("x", "deny-web", app: "web")])
    }
}
