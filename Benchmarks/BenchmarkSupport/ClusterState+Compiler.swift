import ClusterModel
import Compiler
import IPAddressing

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

extension ClusterState {
    /// A new pod for per-pod benchmarks: a copy of one of the cluster's pods, or of `models` (so policies
    /// select it as they select its namesakes), on `node`, under a new name and addresses no other pod holds.
    public func benchmarkPod(_ sample: Int, on node: String, like models: [Pod]? = nil) -> Pod {
        let models = models ?? pods
        var pod = models[sample * 997 % models.count]
        pod.name = "bench-\(sample)"
        pod.nodeName = node
        pod.addresses = [.v4(0x0b00_0000 + UInt32(sample)), .v6(UInt128(0xfd01) << 112 + UInt128(sample))]
        return pod
    }
}
