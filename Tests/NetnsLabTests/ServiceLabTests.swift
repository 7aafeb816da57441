import Testing
import NetnsLab

/// The lab's Services: kube-proxy-shaped tables in every node and the external client.
@Suite(.serialized)
struct ServiceLabTests {
    static let pods = [LabPodSpec(name: "x/a", node: 1), LabPodSpec(name: "y/a", node: 2)]

    /// Every pod through its ClusterIP (every protocol, port and family, hairpin included), and the
    /// client through both NodePorts of every node: all pass without rules, except Local on the node
    /// without the backend, which kube-proxy drops.
    @Test func everyServiceRouteWorksAndDestroyRemovesTheClient() throws {
        let lab = try Lab(pods: Self.pods, services: true)
        #expect(lab.namespaces.count == 2 + 2 + 1)
        var throughClusterIPs = [Probe]()
        for from in lab.podNames {
            for to in lab.podNames {
                for port: UInt16 in [80, 81] {
                    for proto in ProbeProtocol.allCases {
                        for family in LabFamily.allCases {
                            throughClusterIPs.append(Probe(from: from, to: to, port: port, proto: proto, family: family, route: .clusterIP))
                        }
                    }
                }
            }
        }
        // SCTP probes count INITs the destination saw from the source's own address; a hairpin one is
        // masqueraded, so it arrives from the node: leave SCTP hairpin out.
        throughClusterIPs.removeAll { $0.proto == .sctp && $0.from == $0.to }
        let results = try lab.probe(throughClusterIPs)
        #expect(zip(throughClusterIPs, results).filter { !$0.1 }.map(\.0.description) == [])

        var throughNodePorts = [(Probe, Bool)]()
        for node in 1...2 {
            for policy in ExternalTrafficPolicy.allCases {
                for proto in [ProbeProtocol.tcp, .udp] {
                    for family in LabFamily.allCases {
                        let probe = Probe(from: Lab.externalClient, to: "x/a", port: 80, proto: proto, family: family,
                                          route: .nodePort(node: node, policy: policy))
                        throughNodePorts.append((probe, policy == .cluster || node == lab.node(of: "x/a")))
                    }
                }
            }
        }
        let observed = try lab.probe(throughNodePorts.map(\.0))
        #expect(zip(throughNodePorts, observed).filter { $0.0.1 != $0.1 }.map { "\($0.0.0)" } == [])

        let namespaces = lab.namespaces
        lab.destroy()
        #expect(Set(try LabTests.listNamespaces()).isDisjoint(with: namespaces))
    }

    @Test func serviceRoutesAndTheClientNeedALabWithServices() throws {
        let lab = try Lab(pods: Self.pods)
        defer { lab.destroy() }
        #expect(throws: LabError.self) { try lab.probe([Probe(from: "x/a", to: "y/a", port: 80, proto: .tcp, family: .v4, route: .clusterIP)]) }
        #expect(throws: LabError.self) { try lab.probe([Probe(from: Lab.externalClient, to: "y/a", port: 80, proto: .tcp, family: .v4)]) }
    }

    @Test func nodePortsLeadToPort80OverTCPOrUDPFromThePodsNodes() throws {
        let lab = try Lab(pods: Self.pods, services: true)
        defer { lab.destroy() }
        for (port, proto, node) in [(81, ProbeProtocol.tcp, 1), (80, .sctp, 1), (80, .tcp, 3)] {
            let probe = Probe(from: "y/a", to: "x/a", port: UInt16(port), proto: proto, family: .v4, route: .nodePort(node: node, policy: .cluster))
            #expect(throws: LabError.self, "\(probe)") { try lab.probe([probe]) }
        }
    }
}
