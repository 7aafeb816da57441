/// The lab's addressing, computed up front so nothing is decided while the kernel
/// is half configured. Nodes are 1-based: node k has 10.100.0.k / fd00:100::k and
/// its pods live in 10.244.k.0/24 / fd00:10:244:k::/64.
struct LabPlan: Sendable {
    struct Node: Sendable {
        let number: Int
        let namespace: String
        var name: String { "node-\(number)" }
        var ipv4: String { "10.100.0.\(number)" }
        var ipv6: String { "fd00:100::\(number)" }
    }

    struct Pod: Sendable {
        let index: Int          // position in the spec list
        let name: String        // "namespace/name"
        let node: Int
        /// Its node's namespace and addresses when `hostNetwork`.
        let hostNetwork: Bool
        let namespace: String
        let ipv4: String
        let ipv6: String
        /// Node-side end of the pod's veth, named inside the node namespace only.
        var nodeInterface: String { "to-p\(index)" }
        var podMAC: String { LabPlan.mac(0x10, index) }
        var nodeMAC: String { LabPlan.mac(0x11, index) }

        func address(_ family: LabFamily) -> String { family == .v4 ? ipv4 : ipv6 }

        /// ClusterIP of the pod's own Service, in a range apart from pods and nodes.
        func clusterIP(_ family: LabFamily) -> String { family == .v4 ? "10.96.0.\(index + 1)" : "fd00:96::\(index + 1)" }

        /// NodePort of the pod's Service (to its port 80), one per traffic policy.
        func nodePort(_ policy: ExternalTrafficPolicy) -> UInt16 { UInt16((policy == .cluster ? 30000 : 31000) + index) }
    }

    /// A host outside every pod CIDR, with one link to each node: where NodePort traffic comes from.
    struct Client: Sendable {
        static let name = "external/client"
        let namespace: String
        static let ipv4 = "192.0.2.1"
        static let ipv6 = "2001:db8::1"
        static func address(_ family: LabFamily) -> String { family == .v4 ? ipv4 : ipv6 }
        /// Client-side end of the link to node `k`; the node side is `nodeInterface`.
        static func interface(toNode k: Int) -> String { "to-n\(k)" }
        static let nodeInterface = "to-client"
        static func mac(node k: Int) -> String { LabPlan.mac(0x30, k) }
        static func nodeMAC(node k: Int) -> String { LabPlan.mac(0x31, k) }
    }

    /// Gateway the pods route through; the node-side veth owns it, so no proxy ARP is needed.
    static let gatewayV4 = "169.254.1.1"
    static let gatewayV6 = "fe80::1"

    let topology: LabTopology
    /// The TCP and UDP ports every pod serves.
    let ports: [UInt16]
    let nodes: [Node]
    let pods: [Pod]
    /// Present when the lab runs Services (kube-proxy's tables on every node).
    let client: Client?
    private let podIndex: [String: Int]

    init(nodeCount: Int, pods specs: [LabPodSpec], topology: LabTopology = .routed, names: NamespaceNames,
         services: Bool = false, ports: [UInt16] = Lab.defaultPorts) throws {
        self.topology = topology
        self.ports = ports
        guard (1...200).contains(nodeCount) else { throw LabError.invalidTopology("node count \(nodeCount) is not in 1...200") }
        guard !services || specs.count <= 250 else { throw LabError.invalidTopology("a lab with Services has at most 250 pods") }
        nodes = (1...nodeCount).map { Node(number: $0, namespace: names.node($0)) }
        client = services ? Client(namespace: names.client) : nil
        var ordinals = [Int: Int]()
        var index = [String: Int]()
        var pods = [Pod]()
        for (i, spec) in specs.enumerated() {
            guard (1...nodeCount).contains(spec.node) else {
                throw LabError.invalidTopology("pod \(spec.name) is on node \(spec.node), lab has nodes 1...\(nodeCount)")
            }
            guard index[spec.name] == nil else { throw LabError.invalidTopology("pod \(spec.name) is listed twice") }
            index[spec.name] = i
            if spec.hostNetwork {
                guard !pods.contains(where: { $0.hostNetwork && $0.node == spec.node }) else {
                    throw LabError.invalidTopology("a second hostNetwork pod on node \(spec.node): \(spec.name)")
                }
                let host = nodes[spec.node - 1]
                pods.append(Pod(index: i, name: spec.name, node: spec.node, hostNetwork: true, namespace: host.namespace,
                                ipv4: host.ipv4, ipv6: host.ipv6))
                continue
            }
            let ordinal = ordinals[spec.node, default: 0] + 1
            guard ordinal <= 250 else { throw LabError.invalidTopology("more than 250 pods on node \(spec.node)") }
            ordinals[spec.node] = ordinal
            // The ordinal's decimal digits are also a canonical IPv6 group, so both families read alike.
            pods.append(Pod(index: i, name: spec.name, node: spec.node, hostNetwork: false, namespace: names.pod(i),
                            ipv4: "10.244.\(spec.node).\(ordinal)", ipv6: "fd00:10:244:\(spec.node)::\(ordinal)"))
        }
        self.pods = pods
        podIndex = index
    }

    func pod(named name: String) throws -> Pod {
        guard let i = podIndex[name] else { throw LabError.unknownPod(name) }
        return pods[i]
    }

    /// Pods with a network namespace, veth and address of their own (all but hostNetwork pods).
    var networkedPods: [Pod] { pods.filter { !$0.hostNetwork } }

    /// Every namespace of the lab, nodes first.
    var namespaces: [String] { nodes.map(\.namespace) + networkedPods.map(\.namespace) + (client.map { [$0.namespace] } ?? []) }

    func node(_ number: Int) -> Node {
        precondition(nodes.indices.contains(number - 1), "no node \(number): nodes are 1...\(nodes.count)")
        return nodes[number - 1]
    }

    /// Fixed, locally administered MACs let every neighbour entry be permanent:
    /// no ARP/ND on first contact, so the first probe burst is not queued or dropped.
    static func mac(_ kind: Int, _ a: Int, _ b: Int = 0) -> String {
        [0x02, 0x6e, kind, b & 0xff, (a >> 8) & 0xff, a & 0xff]
            .map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: ":")
    }

    /// The bridged topology's gateway addresses on node `k`'s bridge; pod ordinals stop at 250.
    static func bridgeGatewayV4(_ k: Int) -> String { "10.244.\(k).254" }
    static func bridgeGatewayV6(_ k: Int) -> String { "fd00:10:244:\(k)::254" }
    static func bridgeMAC(_ k: Int) -> String { mac(0x12, k) }

    /// MAC of node `from`'s end of the link to node `to`.
    static func linkMAC(from: Int, to: Int) -> String { mac(0x20, from, to) }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
