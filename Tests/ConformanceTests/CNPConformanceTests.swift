import Compiler
import Foundation
import NetnsLab
import Testing

/// Every test of the upstream ClusterNetworkPolicy conformance suite (kubernetes-sigs/network-policy-api
/// conformance/tests, standard and experimental features), plus cases of our own for what upstream leaves
/// out, replayed with real packets on a two-node lab of the upstream houses model: each over IPv4 with the
/// drop action and over IPv6 with reject, the nodes loaded by `nft -f` of the dry-run text and again
/// programmed through netlink with later steps as deltas, on the routed topology; a subset on the bridged one.
/// A pod's egress to its own node crosses the node's input hook on both topologies.
@Suite("ClusterNetworkPolicy conformance with real packets", .serialized)
struct CNPConformanceTests {
    static let upstreamCases = (try? CNPCase.load(folder: "cnp/upstream")) ?? []
    static let ownCases = (try? CNPCase.load(folder: "cnp/own")) ?? []

    @Test("the transcribed cases load: 24 upstream tests with their 92 subtests, 11 own cases; the model has 10 pods")
    func casesLoad() throws {
        let upstream = try CNPCase.load(folder: "cnp/upstream")
        #expect(upstream.count == 24)
        #expect(upstream.reduce(0) { $0 + Set($1.steps.map(\.subtest)).count } == 92)
        #expect(try CNPCase.load(folder: "cnp/own").count == 11)
        #expect(try HousesModel().labPods.count == 10)
    }

    @Test("upstream CNP test, nft -f", arguments: upstreamCases)
    func upstream(_ testCase: CNPCase) throws {
        try CNPSuite.run(testCase, on: .routed, programmer: NftTextProgrammer.init)
    }

    @Test("own CNP case, nft -f", arguments: ownCases)
    func own(_ testCase: CNPCase) throws {
        try CNPSuite.run(testCase, on: .routed, programmer: NftTextProgrammer.init)
    }

    @Test("upstream CNP test, netlink with deltas", arguments: upstreamCases)
    func upstreamNetlink(_ testCase: CNPCase) throws {
        try ConformanceSuite.withNetlink { try CNPSuite.run(testCase, on: .routed, programmer: $0) }
    }

    @Test("own CNP case, netlink with deltas", arguments: ownCases)
    func ownNetlink(_ testCase: CNPCase) throws {
        try ConformanceSuite.withNetlink { try CNPSuite.run(testCase, on: .routed, programmer: $0) }
    }

    /// On pods sharing one bridge per node (br_netfilter hands bridged traffic to the agent's hooks), a
    /// subset keeps CI time down: both directions with every protocol, the three tiers together, nodes
    /// peers, same-node pairs with every action, and egress to the own node.
    static let bridgedCases = upstreamCases.filter { ["CNPAdminTierGress", "CNPAdminTierIntegration", "CNPAdminTierEgressNodePeers"].contains($0.name) }
        + ownCases.filter { ["01", "07"].contains(URL(fileURLWithPath: $0.file).lastPathComponent.prefix(2)) }

    @Test("CNP case on the bridged topology, nft -f", arguments: bridgedCases)
    func bridged(_ testCase: CNPCase) throws {
        try CNPSuite.run(testCase, on: .bridged, programmer: NftTextProgrammer.init)
    }

    @Test("the bridged subset holds 5 cases")
    func bridgedSubset() {
        #expect(Self.bridgedCases.count == 5)
    }
}

enum CNPSuite {
    static func run(_ testCase: CNPCase, on topology: LabTopology, programmer makeProgrammer: (Lab) -> NodeProgrammer) throws {
        let model = try HousesModel()
        let lab = try Lab(pods: model.labPods, topology: topology, ports: HousesModel.ports)
        defer { lab.destroy() }
        let programmer = makeProgrammer(lab)
        let failures = try [(LabFamily.v4, CompilerOptions.DenyAction.drop), (.v6, .reject)].flatMap { family, deny in
            try CNPCaseRunner(lab: lab, model: model, programmer: programmer, options: CompilerOptions(denyAction: deny))
                .run(testCase, family: family)
        }
        #expect(failures.isEmpty, "\(testCase) on \(topology):\n\(failures.map(\.description).joined(separator: "\n"))")
    }
}

extension CNPCase: CustomTestStringConvertible {
    var testDescription: String { description }
}
