/// `ip -batch` scripts that wire the lab. Each script runs with `ip -n NAMESPACE`, and
/// veths are created with their peer placed straight into the other lab namespace, so
/// no interface, address or route ever exists in the root namespace.
enum TopologyScripts {
    /// Node `k`: links to the other nodes, routes, and its pods' links as the topology wants them:
    /// here one routed veth per pod, or a bridge (`BridgedTopologyScripts`).
    /// Run in node order: node k creates its links to higher nodes, whose own script
    /// later configures the far ends.
    static func node(_ node: LabPlan.Node, in plan: LabPlan) -> String {
        var lines = ["link set lo up"]
        let k = node.number
        for other in plan.nodes where other.number != k {
            let j = other.number
            let dev = "to-n\(j)"
            if j > k {
                lines.append("link add \(dev) address \(LabPlan.linkMAC(from: k, to: j)) type veth peer name to-n\(k) address \(LabPlan.linkMAC(from: j, to: k)) netns \(other.namespace)")
            }
            let peerMAC = LabPlan.linkMAC(from: j, to: k)
            lines += [
                "link set \(dev) up",
                "address add \(node.ipv4)/32 dev \(dev)",
                "address add \(node.ipv6)/128 dev \(dev) nodad",
                "neigh add \(other.ipv4) lladdr \(peerMAC) dev \(dev) nud permanent",
                "neigh add \(other.ipv6) lladdr \(peerMAC) dev \(dev) nud permanent",
                "route add \(other.ipv4)/32 dev \(dev)",
                "route add \(other.ipv6)/128 dev \(dev)",
                "route add 10.244.\(j).0/24 via \(other.ipv4) dev \(dev) onlink",
                "route add fd00:10:244:\(j)::/64 via \(other.ipv6) dev \(dev) onlink",
            ]
        }
        guard plan.topology == .routed else {
            return (lines + BridgedTopologyScripts.node(node, in: plan)).joined(separator: "\n") + "\n"
        }
        for pod in plan.networkedPods where pod.node == k {
            let dev = pod.nodeInterface
            lines += [
                TopologyScripts.podVeth(pod),
                "link set \(dev) up",
                "address add \(LabPlan.gatewayV4)/32 dev \(dev)",
                "address add \(LabPlan.gatewayV6)/64 dev \(dev) nodad",
                "neigh add \(pod.ipv4) lladdr \(pod.podMAC) dev \(dev) nud permanent",
                "neigh add \(pod.ipv6) lladdr \(pod.podMAC) dev \(dev) nud permanent",
                "route add \(pod.ipv4)/32 dev \(dev)",
                "route add \(pod.ipv6)/128 dev \(dev)",
            ]
        }
        if plan.client != nil { lines += clientLink(of: node) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The node's end of its link to the external client, which `client` created.
    private static func clientLink(of node: LabPlan.Node) -> [String] {
        let dev = LabPlan.Client.nodeInterface
        let clientMAC = LabPlan.Client.mac(node: node.number)
        return [
            "link set \(dev) up",
            "address add \(node.ipv4)/32 dev \(dev)",
            "address add \(node.ipv6)/128 dev \(dev) nodad",
            "neigh add \(LabPlan.Client.ipv4) lladdr \(clientMAC) dev \(dev) nud permanent",
            "neigh add \(LabPlan.Client.ipv6) lladdr \(clientMAC) dev \(dev) nud permanent",
            "route add \(LabPlan.Client.ipv4)/32 dev \(dev)",
            "route add \(LabPlan.Client.ipv6)/128 dev \(dev)",
        ]
    }

    /// The external client: one link to each node, its peer placed in the node; it reaches each node's
    /// own address over that node's link and nothing else (no route to any pod).
    static func client(_ client: LabPlan.Client, in plan: LabPlan) -> String {
        var lines = ["link set lo up"]
        for node in plan.nodes {
            let dev = LabPlan.Client.interface(toNode: node.number)
            let nodeMAC = LabPlan.Client.nodeMAC(node: node.number)
            lines += [
                "link add \(dev) address \(LabPlan.Client.mac(node: node.number)) type veth peer name \(LabPlan.Client.nodeInterface) address \(nodeMAC) netns \(node.namespace)",
                "link set \(dev) up",
                "address add \(LabPlan.Client.ipv4)/32 dev \(dev)",
                "address add \(LabPlan.Client.ipv6)/128 dev \(dev) nodad",
                "neigh add \(node.ipv4) lladdr \(nodeMAC) dev \(dev) nud permanent",
                "neigh add \(node.ipv6) lladdr \(nodeMAC) dev \(dev) nud permanent",
                "route add \(node.ipv4)/32 dev \(dev)",
                "route add \(node.ipv6)/128 dev \(dev)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A pod: eth0 with its two /32 and /128 addresses, default routes to its node (routed topology).
    static func pod(_ pod: LabPlan.Pod, in plan: LabPlan) -> String {
        guard plan.topology == .routed else { return BridgedTopologyScripts.pod(pod) }
        return [
            "link set lo up",
            "link set eth0 up",
            "address add \(pod.ipv4)/32 dev eth0",
            "address add \(pod.ipv6)/128 dev eth0 nodad",
            "neigh add \(LabPlan.gatewayV4) lladdr \(pod.nodeMAC) dev eth0 nud permanent",
            "neigh add \(LabPlan.gatewayV6) lladdr \(pod.nodeMAC) dev eth0 nud permanent",
            "route add 0.0.0.0/0 via \(LabPlan.gatewayV4) dev eth0 onlink",
            "route add ::/0 via \(LabPlan.gatewayV6) dev eth0",
        ].joined(separator: "\n") + "\n"
    }

    /// The pod's veth: the node keeps `nodeInterface`, the pod gets eth0, created straight inside it.
    static func podVeth(_ pod: LabPlan.Pod) -> String {
        "link add \(pod.nodeInterface) address \(pod.nodeMAC) type veth peer name eth0 address \(pod.podMAC) netns \(pod.namespace)"
    }

    /// Sysctls for every lab namespace, set before any link exists so new links
    /// inherit them: no duplicate address detection, no router solicitations.
    static let commonSysctls = [
        ("net.ipv6.conf.all.accept_dad", "0"),
        ("net.ipv6.conf.default.accept_dad", "0"),
        ("net.ipv6.conf.default.router_solicitations", "0"),
    ]

    /// Nodes route between their pods and the other nodes.
    static let nodeSysctls = [
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv6.conf.all.forwarding", "1"),
    ]
}
