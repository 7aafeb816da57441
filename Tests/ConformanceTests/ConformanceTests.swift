import Compiler
import Foundation
import NetnsLab
import Testing

/// Every `It(...)` of kubernetes test/e2e/network/netpol/network_policy.go, plus cases of our own for
/// what upstream leaves out, replayed with real packets on a two-node lab of network namespaces:
/// each once over IPv4 with the drop action and once over IPv6 with reject, with the nodes loaded
/// by `nft -f` of the dry-run text and again programmed through netlink, on both lab topologies
/// (pods on routed veths, and pods on one bridge per node).
@Suite("NetworkPolicy conformance with real packets", .serialized)
struct ConformanceTests {
    static let upstreamCases = (try? ConformanceCase.load(folder: "upstream")) ?? []
    static let ownCases = (try? ConformanceCase.load(folder: "own")) ?? []

    @Test("the transcribed cases load: 48 upstream, 6 own")
    func casesLoad() throws {
        #expect(try ConformanceCase.load(folder: "upstream").count == 48)
        #expect(try ConformanceCase.load(folder: "own").count == 6)
    }

    @Test("upstream e2e case, nft -f", arguments: LabTopology.allCases, upstreamCases)
    func upstream(_ topology: LabTopology, _ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, on: topology, programmer: NftTextProgrammer.init)
    }

    @Test("own case, nft -f", arguments: LabTopology.allCases, ownCases)
    func own(_ topology: LabTopology, _ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, on: topology, programmer: NftTextProgrammer.init)
    }

    /// Upstream's e2e reaches every server pod through its own Service, `s-<namespace>-<pod>` with the pod
    /// as its only backend (kubernetes test/e2e/network/netpol/model.go). These cases probe that way, the
    /// ClusterIP DNATed by kube-proxy-shaped tables at dstnat before the agent's forward hook judges the
    /// backend pod; a subset keeps CI time down: ingress, egress, namespace selectors, ports, ipBlock,
    /// UDP and SCTP.
    static let serviceCases = upstreamCases.filter { testCase in
        let number = URL(fileURLWithPath: testCase.file).lastPathComponent.prefix(3)
        return ["002", "004", "006", "010", "014", "025", "028", "034", "035", "043", "046"].contains(number)
    }

    @Test("upstream e2e case through ClusterIPs, nft -f", arguments: serviceCases)
    func upstreamThroughServices(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, on: .routed, route: .clusterIP, programmer: NftTextProgrammer.init)
    }

    @Test("upstream e2e case through ClusterIPs, netlink with deltas", arguments: serviceCases)
    func upstreamNetlinkThroughServices(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase, on: .routed, route: .clusterIP)
    }

    @Test("the ClusterIP subset holds 11 cases")
    func serviceSubset() {
        #expect(Self.serviceCases.count == 11)
    }

    @Test("upstream e2e case, netlink with deltas", arguments: LabTopology.allCases, upstreamCases)
    func upstreamNetlink(_ topology: LabTopology, _ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase, on: topology)
    }

    @Test("own case, netlink with deltas", arguments: LabTopology.allCases, ownCases)
    func ownNetlink(_ topology: LabTopology, _ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase, on: topology)
    }
    /// Proves that the bridged topology passes because br_netfilter hands bridged traffic to the agent's
    /// hooks: without `bridge-nf-call-iptables` / `-ip6tables`, pods of one node reach each other unjudged.
    @Test("bridged topology with the bridge hooks off: denied same-node pairs get through")
    func bridgeHooksOff() throws {
        let testCase = try #require(Self.upstreamCases.first { $0.file.hasSuffix("002-default-deny-all.yaml") })
        let lab = try Lab(pods: CaseRunner.labPods(testCase.pods), topology: .bridged)
        defer { lab.destroy() }
        try lab.setBridgeHooks(enabled: false)
        let failures = try ConformanceSuite.failures(of: testCase, on: lab, programmer: NftTextProgrammer(lab: lab))
        for family in LabFamily.allCases {
            #expect(failures.contains { $0.family == family }, "no \(family.rawValue) check failed with the hooks off")
        }
        let unexplained = failures.filter { $0.expected || lab.node(of: $0.pair.from) != lab.node(of: $0.pair.to) }
        #expect(unexplained.isEmpty, "failures other than same-node wrongful allows:\n\(unexplained.map(\.description).joined(separator: "\n"))")
    }
}

enum ConformanceSuite {
    /// The netlink run also checks that steps after the first went out as deltas, never as rewrites.
    static func runNetlink(_ testCase: ConformanceCase, on topology: LabTopology, route: ProbeRoute = .podIP) throws {
        try withNetlink { try run(testCase, on: topology, route: route, programmer: $0) }
    }

    /// Runs `body` with a maker of netlink programmers and checks that the one it used applied one full
    /// ruleset per node and only deltas after (the IPv6 pass changes the deny action: also a delta).
    static func withNetlink(_ body: ((Lab) -> NodeProgrammer) throws -> Void) throws {
        var used: NetlinkProgrammer?
        try body { lab in
            let programmer = NetlinkProgrammer(lab: lab)
            used = programmer
            return programmer
        }
        let kinds = used?.kinds ?? []
        #expect(kinds.filter { $0 == .full }.count == 2, "applies: \(kinds)")
    }

    static func run(_ testCase: ConformanceCase, on topology: LabTopology, route: ProbeRoute = .podIP,
                    programmer makeProgrammer: (Lab) -> NodeProgrammer) throws {
        try #require(testCase.unsupported == nil, "case marked unsupported: \(testCase.unsupported ?? "")")
        let lab = try Lab(pods: CaseRunner.labPods(testCase.pods), topology: topology, services: route != .podIP)
        defer { lab.destroy() }
        let failures = try failures(of: testCase, on: lab, route: route, programmer: makeProgrammer(lab))
        #expect(failures.isEmpty, "\(testCase) on \(topology):\n\(failures.map(\.description).joined(separator: "\n"))")
    }

    /// The case's wrong cells, over IPv4 with drop and then IPv6 with reject.
    static func failures(of testCase: ConformanceCase, on lab: Lab, route: ProbeRoute = .podIP,
                         programmer: NodeProgrammer) throws -> [CaseRunner.WrongCell] {
        try [(LabFamily.v4, CompilerOptions.DenyAction.drop), (.v6, .reject)].flatMap { family, deny in
            try CaseRunner(lab: lab, programmer: programmer, options: CompilerOptions(denyAction: deny), route: route)
                .run(testCase, family: family)
        }
    }
}

extension ConformanceCase: CustomTestStringConvertible {
    var testDescription: String { description }
}
