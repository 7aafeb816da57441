/// `ip -batch` scripts of the bridged topology (`LabTopology.bridged`). Pods get a /24 and a /64 of their
/// node's pod network, so same-node pods resolve each other (ARP, ND) and talk over the bridge directly.
enum BridgedTopologyScripts {
    static let bridge = "cni0"

    /// The bridge with the gateway addresses, and each pod's veth enslaved to it. The node's side of every
    /// neighbour is permanent, as in the routed lab; pods still resolve each other on the bridge.
    static func node(_ node: LabPlan.Node, in plan: LabPlan) -> [String] {
        let k = node.number
        var lines = [
            "link add \(bridge) address \(LabPlan.bridgeMAC(k)) type bridge",
            "link set \(bridge) up",
            "address add \(LabPlan.bridgeGatewayV4(k))/24 dev \(bridge)",
            "address add \(LabPlan.bridgeGatewayV6(k))/64 dev \(bridge) nodad",
        ]
        for pod in plan.networkedPods where pod.node == k {
            let dev = pod.nodeInterface
            lines += [
                TopologyScripts.podVeth(pod),
                "link set \(dev) master \(bridge)",
                "link set \(dev) up",
                "neigh add \(pod.ipv4) lladdr \(pod.podMAC) dev \(bridge) nud permanent",
                "neigh add \(pod.ipv6) lladdr \(pod.podMAC) dev \(bridge) nud permanent",
            ]
        }
        return lines
    }

    /// A pod: eth0 in its node's pod networks, default routes to the bridge's gateway addresses.
    static func pod(_ pod: LabPlan.Pod) -> String {
        let (gatewayV4, gatewayV6) = (LabPlan.bridgeGatewayV4(pod.node), LabPlan.bridgeGatewayV6(pod.node))
        return [
            "link set lo up",
            "link set eth0 up",
            "address add \(pod.ipv4)/24 dev eth0",
            "address add \(pod.ipv6)/64 dev eth0 nodad",
            "neigh add \(gatewayV4) lladdr \(LabPlan.bridgeMAC(pod.node)) dev eth0 nud permanent",
            "neigh add \(gatewayV6) lladdr \(LabPlan.bridgeMAC(pod.node)) dev eth0 nud permanent",
            "route add 0.0.0.0/0 via \(gatewayV4) dev eth0",
            "route add ::/0 via \(gatewayV6) dev eth0",
        ].joined(separator: "\n") + "\n"
    }

    /// br_netfilter hands bridged IP traffic to the inet hooks only with these set; they are per network
    /// namespace, so only the lab's nodes get them.
    static func bridgeHookSysctls(enabled: Bool) -> [(String, String)] {
        ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"].map { ($0, enabled ? "1" : "0") }
    }
}
