/// A node's Service tables in the shape kube-proxy's nftables mode gives them
/// (kubernetes pkg/proxy/nftables/proxier.go): `table ip kube-proxy` / `table ip6 kube-proxy`, base
/// chains `nat-prerouting` and `nat-output` at dstnat priority jumping to `services`, the `service-ips`
/// and `service-nodeports` verdict maps, per-endpoint chains that mark hairpin traffic (source = the
/// endpoint itself) and DNAT, and `masquerading` in `nat-postrouting` for whatever got marked.
///
/// Every pod has its own Service, itself the only backend, so each probe's backend is known:
/// ClusterIP on the lab's ports of TCP, UDP and SCTP, and two NodePorts to port 80 (TCP, UDP),
/// one with `externalTrafficPolicy: Cluster` (always masqueraded, as kube-proxy does in case the
/// backend is on another node) and one with `Local` (source kept; a node without the backend drops,
/// kube-proxy's `no-endpoint-nodeports` verdict).
enum KubeProxyScript {
    static let masqueradeMark = "0x00004000"

    static func node(_ node: LabPlan.Node, in plan: LabPlan, family: LabFamily) -> String {
        let ip = family == .v4 ? "ip" : "ip6"
        let noLocalhost = family == .v4 ? "ip daddr != 127.0.0.0/8" : "ip6 daddr != ::1"
        var serviceIPs: [String] = []
        var nodePorts: [String] = []
        var chains: [String] = []
        for pod in plan.networkedPods {
            let id = "p\(pod.index)"
            let address = pod.address(family)
            for proto in ["tcp", "udp", "sctp"] {
                for port in plan.ports { serviceIPs.append("\(pod.clusterIP(family)) . \(proto) . \(port) : goto endpoint-\(id)") }
            }
            chains.append(chain("endpoint-\(id)", ["\(ip) saddr \(address) jump mark-for-masquerade", "dnat to \(address)"]))
            let portEighty = family == .v4 ? "\(address):80" : "[\(address)]:80"
            chains.append(chain("nodeport-endpoint-\(id)", [
                "\(ip) saddr \(address) jump mark-for-masquerade", "meta l4proto { tcp, udp } dnat to \(portEighty)",
            ]))
            chains.append(chain("external-cluster-\(id)", ["jump mark-for-masquerade", "goto nodeport-endpoint-\(id)"]))
            chains.append(chain("external-local-\(id)", pod.node == node.number
                ? ["fib saddr type local jump mark-for-masquerade", "goto nodeport-endpoint-\(id)"]
                : ["drop"]))
            for proto in ["tcp", "udp"] {
                for policy in ExternalTrafficPolicy.allCases {
                    nodePorts.append("\(proto) . \(pod.nodePort(policy)) : goto external-\(policy == .cluster ? "cluster" : "local")-\(id)")
                }
            }
        }
        let addressType = family == .v4 ? "ipv4_addr" : "ipv6_addr"
        // Declared before use: chains before the maps that name them, base chains last. nft 1.0.6 takes
        // the name `dstnat` on prerouting only; -100 is its value.
        return """
        table \(ip) kube-proxy {
        \tcomment "rules for kube-proxy"
        \tchain mark-for-masquerade { mark set mark or \(masqueradeMark); }
        \tchain masquerading {
        \t\tmark and \(masqueradeMark) == 0 return
        \t\tmark set mark xor \(masqueradeMark)
        \t\tmasquerade fully-random
        \t}
        \(chains.joined())\tmap service-ips { type \(addressType) . inet_proto . inet_service : verdict; \(elements(serviceIPs)) }
        \tmap service-nodeports { type inet_proto . inet_service : verdict; \(elements(nodePorts)) }
        \tchain services {
        \t\t\(ip) daddr . meta l4proto . th dport vmap @service-ips
        \t\tfib daddr type local \(noLocalhost) meta l4proto . th dport vmap @service-nodeports
        \t}
        \tchain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; jump services; }
        \tchain nat-output { type nat hook output priority -100; policy accept; jump services; }
        \tchain nat-postrouting { type nat hook postrouting priority srcnat; policy accept; jump masquerading; }
        }

        """
    }

    private static func elements(_ list: [String]) -> String {
        list.isEmpty ? "" : "elements = { \(list.joined(separator: ", ")) }"
    }

    private static func chain(_ name: String, _ rules: [String]) -> String {
        "\tchain \(name) {\n" + rules.map { "\t\t\($0)\n" }.joined() + "\t}\n"
    }
}
