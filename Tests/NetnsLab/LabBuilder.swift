/// Creates a lab's namespaces and wires them, in an order where each step only
/// touches namespaces that already exist.
enum LabBuilder {
    static func build(_ plan: LabPlan) throws {
        let namespaces = plan.namespaces
        try Command.check(["ip", "-batch", "-"], stdin: namespaces.map { "netns add \($0)\n" }.joined())
        for namespace in namespaces {
            let isNode = plan.nodes.contains { $0.namespace == namespace }
            let bridging = isNode && plan.topology == .bridged ? BridgedTopologyScripts.bridgeHookSysctls(enabled: true) : []
            let sysctls = TopologyScripts.commonSysctls + (isNode ? TopologyScripts.nodeSysctls : []) + bridging
            try NetworkNamespace.run(in: namespace) {
                for (key, value) in sysctls { try NetworkNamespace.setSysctl(key, value) }
            }
        }
        if let client = plan.client {
            try Command.check(["ip", "-n", client.namespace, "-batch", "-"], stdin: TopologyScripts.client(client, in: plan))
        }
        for node in plan.nodes {
            try Command.check(["ip", "-n", node.namespace, "-batch", "-"], stdin: TopologyScripts.node(node, in: plan))
        }
        if plan.client != nil {
            for node in plan.nodes {
                let script = LabFamily.allCases.map { KubeProxyScript.node(node, in: plan, family: $0) }.joined()
                try Command.check(["ip", "netns", "exec", node.namespace, "nft", "-f", "-"], stdin: script)
            }
        }
        for pod in plan.networkedPods {
            try Command.check(["ip", "-n", pod.namespace, "-batch", "-"], stdin: TopologyScripts.pod(pod, in: plan))
        }
    }
}
