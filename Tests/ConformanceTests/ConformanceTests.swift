import Compiler
import Foundation
import NetnsLab
import Testing

/// Every `It(...)` of kubernetes test/e2e/network/netpol/network_policy.go, plus cases of our own for
/// what upstream leaves out, replayed with real packets on a two-node lab of network namespaces:
/// each once over IPv4 with the drop action and once over IPv6 with reject, with the nodes loaded
/// by `nft -f` of the dry-run text and again programmed through netlink.
@Suite("NetworkPolicy conformance with real packets", .serialized)
struct ConformanceTests {
    static let upstreamCases = (try? ConformanceCase.load(folder: "upstream")) ?? []
    static let ownCases = (try? ConformanceCase.load(folder: "own")) ?? []

    @Test("the transcribed cases load: 48 upstream, 6 own")
    func casesLoad() throws {
        #expect(try ConformanceCase.load(folder: "upstream").count == 48)
        #expect(try ConformanceCase.load(folder: "own").count == 6)
    }

    @Test("upstream e2e case, nft -f", arguments: upstreamCases)
    func upstream(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, programmer: NftTextProgrammer.init)
    }

    @Test("own case, nft -f", arguments: ownCases)
    func own(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, programmer: NftTextProgrammer.init)
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
        try ConformanceSuite.run(testCase, route: .clusterIP, programmer: NftTextProgrammer.init)
    }

    @Test("upstream e2e case through ClusterIPs, netlink with deltas", arguments: serviceCases)
    func upstreamNetlinkThroughServices(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase, route: .clusterIP)
    }

    @Test("the ClusterIP subset holds 11 cases")
    func serviceSubset() {
        #expect(Self.serviceCases.count == 11)
    }

    @Test("upstream e2e case, netlink with deltas", arguments: upstreamCases)
    func upstreamNetlink(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase)
    }

    @Test("own case, netlink with deltas", arguments: ownCases)
    func ownNetlink(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.runNetlink(testCase)
    }
}

enum ConformanceSuite {
    /// The netlink run also checks that steps after the first went out as deltas, never as rewrites.
    static func runNetlink(_ testCase: ConformanceCase, route: ProbeRoute = .podIP) throws {
        var used: NetlinkProgrammer?
        try run(testCase, route: route) { lab in
            let programmer = NetlinkProgrammer(lab: lab)
            used = programmer
            return programmer
        }
        let kinds = used?.kinds ?? []
        // One full apply per node; the IPv6 pass changes the deny action, which rewrites chains as a delta.
        #expect(kinds.filter { $0 == .full }.count == 2, "applies: \(kinds)")
    }

    static func run(_ testCase: ConformanceCase, route: ProbeRoute = .podIP, programmer makeProgrammer: (Lab) -> NodeProgrammer) throws {
        try #require(testCase.unsupported == nil, "case marked unsupported: \(testCase.unsupported ?? "")")
        let lab = try Lab(pods: CaseRunner.labPods(testCase.pods), services: route != .podIP)
        defer { lab.destroy() }
        let programmer = makeProgrammer(lab)
        for (family, deny) in [(LabFamily.v4, CompilerOptions.DenyAction.drop), (.v6, .reject)] {
            let runner = CaseRunner(lab: lab, programmer: programmer, options: CompilerOptions(denyAction: deny), route: route)
            let failures = try runner.run(testCase, family: family)
            #expect(failures.isEmpty, "\(testCase):\n\(failures.joined(separator: "\n"))")
        }
    }
}

extension ConformanceCase: CustomTestStringConvertible {
    var testDescription: String { description }
}
