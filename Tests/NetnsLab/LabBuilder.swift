/// Creates a lab's namespaces and wires them, in an order where each step only
/// touches namespaces that already exist.
enum LabBuilder {
    static func build(_ plan: LabPlan) throws {
        let namespaces = plan.nodes.map(\.namespace) + plan.pods.map(\.namespace)
        try Command.check(["ip", "-batch", "-"], stdin: namespaces.map { "netns add \($0)\n" }.joined())
        for namespace in namespaces {
            let isNode = plan.nodes.contains { $0.namespace == namespace }
            let bridging = isNode && plan.topology == .bridged ? BridgedTopologyScripts.bridgeHookSysctls(enabled: true) : []
            let sysctls = TopologyScripts.commonSysctls + (isNode ? TopologyScripts.nodeSysctls : []) + bridging
            try NetworkNamespace.run(in: namespace) {
                for (key, value) in sysctls { try NetworkNamespace.setSysctl(key, value) }
            }
        }
        for node in plan.nodes {
            try Command.check(["ip", "-n", node.namespace, "-batch", "-"], stdin: TopologyScripts.node(node, in: plan))
        }
        for pod in plan.pods {
            try Command.check(["ip", "-n", pod.namespace, "-batch", "-"], stdin: TopologyScripts.pod(pod, in: plan))
        }
    }
}
