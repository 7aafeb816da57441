import ClusterCache
import Compiler
import KubeClient
import Logging

/// Everything that keeps one node's table in sync with the API server: a reflector per kind feeding
/// the cache (ClusterNetworkPolicies and all Nodes while discovery finds them served), and the
/// reconciler, each on a thread of its own.
public struct NodeSync: Sendable {
    public var connection: ClusterConnection
    public var node: String
    public var options: CompilerOptions
    /// `--pod-cidr`: the node's network as given; nil: read from the node's own Node object, which is
    /// then watched (only with `--unknown-pod-ips deny`, the one mode that needs it).
    public var fixedNodeNetwork: NodeNetwork?
    public var reflectorTuning = ReflectorTuning()
    public var reconcilerTuning = ReconcilerTuning()
    public var clusterPolicyTuning = ClusterPolicyTuning()
    public var hooks = SyncHooks()
    /// nil: the node is not checked (a dry run only prints).
    public var checkNode: Reconciler.NodeCheck?
    public var logger: Logger

    public init(connection: ClusterConnection, node: String, options: CompilerOptions, logger: Logger) {
        self.connection = connection
        self.node = node
        self.options = options
        self.logger = logger
    }

    /// Starts the threads; they run until `stop` is stopped (join them then).
    public func start(applier: any RulesetApplier, stop: StopToken) -> [WorkerThread] {
        let signal = ChangeSignal()
        let cache = ClusterCache(signal: signal, logger: logger, discoversClusterPolicies: true,
                                 onRejected: hooks.objectRejected)
        let reconciler = Reconciler(cache: cache, signal: signal, applier: applier, node: node, options: options,
                                    fixedNodeNetwork: fixedNodeNetwork, tuning: reconcilerTuning, hooks: hooks, checkNode: checkNode,
                                    logger: logger)
        let (connection, tuning, reflectorHooks, logger) = (connection, reflectorTuning, hooks.reflectors, logger)
        var loops: [@Sendable () -> Void] = [
            { Reflector(NamespacesResource.self, connection: connection, sink: cache.namespaceSink, tuning: tuning,
                        hooks: reflectorHooks, logger: logger).run(stop: stop) },
            { Reflector(PodsResource.self, connection: connection, sink: cache.podSink, tuning: tuning,
                        hooks: reflectorHooks, logger: logger).run(stop: stop) },
            { Reflector(NetworkPoliciesResource.self, connection: connection, sink: cache.policySink, tuning: tuning,
                        hooks: reflectorHooks, logger: logger).run(stop: stop) },
            { reconciler.run(stop: stop) },
            { [clusterPolicyTuning, hooks] in
                ClusterPolicyWatch(connection: connection, cache: cache, reflectorTuning: tuning, tuning: clusterPolicyTuning,
                                   hooks: hooks, logger: logger).run(stop: stop) },
        ]
        if options.unknownPodIPs == .deny && fixedNodeNetwork == nil {
            let selector = "metadata.name=\(node)"
            loops.append { Reflector(NodesResource.self, connection: connection, sink: cache.nodeSink, fieldSelector: selector,
                                     tuning: tuning, hooks: reflectorHooks, logger: logger).run(stop: stop) }
        }
        return loops.map(WorkerThread.init)
    }
}
