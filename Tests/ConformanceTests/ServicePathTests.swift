import Compiler
import NetnsLab
import Testing
import Yams

/// Service traffic with real packets, on a lab whose nodes run kube-proxy-shaped Service tables
/// (NetnsLab's KubeProxyScript): kube-proxy DNATs at dstnat priority, before the agent's forward hook,
/// and masquerades at srcnat, after it. So the agent judges the backend pod, and the source it sees is
/// the one the packet has on the node that forwards it to the backend.
@Suite("Service paths with real packets", .serialized)
struct ServicePathTests {
    /// A pod reaching itself through its own Service crosses the forward hook (unlike loopback): its
    /// own ingress and egress policies judge it as a peer of itself; kube-proxy's hairpin masquerade
    /// happens only later, in postrouting.
    @Test("hairpin through the own ClusterIP is judged by the pod's own policies", arguments: LabFamily.allCases)
    func hairpin(_ family: LabFamily) throws {
        let lab = try ServiceLab(pods: ["x/a": 1, "x/b": 1, "y/a": 2], family: family)
        defer { lab.destroy() }
        let toA = { (from: String, proto: ProbeProtocol) in
            Probe(from: from, to: "x/a", port: 80, proto: proto, family: family, route: .clusterIP)
        }
        let everyone = { (allowed: [String: Bool]) in
            ProbeProtocol.udpAndTCP.flatMap { proto in allowed.map { (toA($0.key, proto), $0.value) } }
        }
        try lab.expect(everyone(["x/a": true, "x/b": true, "y/a": true]), "no policy")
        try lab.apply(Self.ingressOfA(from: "{podSelector: {matchLabels: {pod: b}}}"))
        try lab.expect(everyone(["x/a": false, "x/b": true, "y/a": false]), "x/a admits x/b only")
        try lab.apply(Self.ingressOfA(from: "{podSelector: {matchLabels: {pod: a}}}"))
        try lab.expect(everyone(["x/a": true, "x/b": false, "y/a": false]), "x/a admits itself only")
    }

    /// x/a's only policy: ingress from `peer` (a NetworkPolicyPeer in YAML flow style) alone.
    private static func ingressOfA(from peer: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-ingress, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Ingress]
          ingress: [{from: [\(peer)]}]
        """
    }

    /// NodePort traffic from a client outside the pod CIDRs to the backend x/a on node 1.
    /// `Cluster`: received on the backend's node, the forward hook sees the client's address (the
    /// masquerade comes after it); received on another node, that node SNATs and forwards, so the
    /// backend's node judges the receiving node's address. `Local`: the client's address, always; a
    /// node without the backend drops it (kube-proxy). ipBlock rules judge those addresses; a pod
    /// selector matches none of them.
    @Test("NodePort: ipBlock judges the client or the SNAT node address, pod selectors never match", arguments: LabFamily.allCases)
    func nodePort(_ family: LabFamily) throws {
        let lab = try ServiceLab(pods: ["x/a": 1, "y/a": 2], family: family)
        defer { lab.destroy() }
        let routes: [ProbeRoute] = [.nodePort(node: 1, policy: .cluster), .nodePort(node: 2, policy: .cluster),
                                    .nodePort(node: 1, policy: .local), .nodePort(node: 2, policy: .local)]
        let expect = { (allowed: [Bool], situation: String) in
            let cells = ProbeProtocol.udpAndTCP.flatMap { proto in
                zip(routes, allowed).map { (Probe(from: Lab.externalClient, to: "x/a", port: 80, proto: proto, family: family, route: $0), $1) }
            }
            try lab.expect(cells, situation)
        }
        try expect([true, true, true, false], "no policy")
        // The lab's client is 192.0.2.1 / 2001:db8::1; its nodes are 10.100.0.k / fd00:100::k.
        try lab.apply(Self.ingressOfA(from: "{ipBlock: {cidr: \"\(family == .v4 ? "192.0.2.0/24" : "2001:db8::/64")\"}}"))
        try expect([true, false, true, false], "x/a admits the client's block")
        try lab.apply(Self.ingressOfA(from: "{ipBlock: {cidr: \"\(family == .v4 ? "10.100.0.0/24" : "fd00:100::/64")\"}}"))
        try expect([false, true, false, false], "x/a admits the nodes' block")
        try lab.apply(Self.ingressOfA(from: "{namespaceSelector: {}}"))
        try expect([false, false, false, false], "x/a admits every pod")
    }
}

/// A lab with Services, its cluster objects, and the agent's rules programmed through netlink.
private final class ServiceLab {
    private let lab: Lab
    private var cluster: CaseCluster
    private let programmer: NetlinkProgrammer

    init(pods: [String: Int], family: LabFamily) throws {
        let names = pods.keys.sorted()
        lab = try Lab(pods: names.map { LabPodSpec(name: $0, node: pods[$0]!) }, services: true)
        do {
            let testCase = try YAMLDecoder().decode(ConformanceCase.self, from: """
                {name: service paths, pods: [\(names.joined(separator: ", "))], protocols: [TCP, UDP], ports: [80], steps: []}
                """)
            cluster = try CaseCluster(for: testCase, addresses: lab, family: family)
            programmer = NetlinkProgrammer(lab: lab)
            try program()
        } catch {
            lab.destroy()
            throw error
        }
    }

    func destroy() { lab.destroy() }

    /// Creates or replaces an object (placeholders as in the case files), then programs every node.
    func apply(_ yaml: String) throws {
        try cluster.perform(ConformanceCase.Action(apply: yaml))
        try program()
    }

    private func program() throws {
        try programmer.program(cluster.builder.state, on: lab)
    }

    /// Probes every cell; a cell that disagrees is probed again (twice at most), as the conformance runner does.
    func expect(_ cells: [(Probe, Bool)], _ situation: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let wrong = try lab.disagreements(cells.map { (probe: $0.0, expected: $0.1) }).map { "\($0.probe) expected \($0.expected ? "allowed" : "denied")" }
        #expect(wrong.isEmpty, "\(situation):\n\(wrong.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }
}

private extension ProbeProtocol {
    static let udpAndTCP: [ProbeProtocol] = [.tcp, .udp]
}
