import ClusterModel
import Ruleset

/// Compiles a whole cluster for one node in one go; see NodeCompiler for the layout.
public enum PolicyCompiler {
    public static func compile(_ cluster: ClusterState, node: String, options: CompilerOptions = CompilerOptions(),
                               network: NodeNetwork = NodeNetwork()) -> Ruleset {
        var compiler = compiler(for: cluster, node: node, options: options, network: network)
        return compiler.ruleset()
    }

    /// A node compiler holding the whole cluster, for callers that also want `meaning` or counters.
    public static func compiler(for cluster: ClusterState, node: String, options: CompilerOptions = CompilerOptions(),
                                network: NodeNetwork = NodeNetwork()) -> NodeCompiler {
        var compiler = NodeCompiler(node: node, options: options)
        compiler.setNodeNetwork(network)
        compiler.reserveCapacity(pods: cluster.pods.count)
        for namespace in cluster.namespaces { compiler.upsert(namespace) }
        compiler.load(cluster.pods)
        for node in cluster.nodes { compiler.upsert(node) }
        for policy in cluster.policies { compiler.upsert(policy) }
        for policy in cluster.clusterPolicies { compiler.upsert(policy) }
        return compiler
    }
}
