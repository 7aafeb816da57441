import ClusterModel
import Compiler

extension ClusterState {
    /// A compiler for `node` holding every object of the cluster, as the agent's after its first sync.
    public func loadedCompiler(node: String) -> NodeCompiler {
        var compiler = NodeCompiler(node: node)
        for namespace in namespaces { compiler.upsert(namespace) }
        for pod in pods { compiler.upsert(pod) }
        for clusterNode in nodes { compiler.upsert(clusterNode) }
        for policy in policies { compiler.upsert(policy) }
        for policy in clusterPolicies { compiler.upsert(policy) }
        return compiler
    }
}
