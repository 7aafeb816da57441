import Compiler
import NetnsLab
import Testing

/// Every `It(...)` of kubernetes test/e2e/network/netpol/network_policy.go, plus cases of our own for
/// what upstream leaves out, replayed with real packets on a two-node lab of network namespaces:
/// each once over IPv4 with the drop action and once over IPv6 with reject.
@Suite("NetworkPolicy conformance with real packets, nodes loaded with nft -f", .serialized)
struct ConformanceTests {
    static let upstreamCases = (try? ConformanceCase.load(folder: "upstream")) ?? []
    static let ownCases = (try? ConformanceCase.load(folder: "own")) ?? []

    @Test("the transcribed cases load: 48 upstream, 6 own")
    func casesLoad() throws {
        #expect(try ConformanceCase.load(folder: "upstream").count == 48)
        #expect(try ConformanceCase.load(folder: "own").count == 6)
    }

    @Test("upstream e2e case", arguments: upstreamCases)
    func upstream(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, programmer: NftTextProgrammer())
    }

    @Test("own case", arguments: ownCases)
    func own(_ testCase: ConformanceCase) throws {
        try ConformanceSuite.run(testCase, programmer: NftTextProgrammer())
    }
}

enum ConformanceSuite {
    static func run(_ testCase: ConformanceCase, programmer: NodeProgrammer) throws {
        try #require(testCase.unsupported == nil, "case marked unsupported: \(testCase.unsupported ?? "")")
        let lab = try Lab(pods: CaseRunner.labPods(testCase.pods))
        defer { lab.destroy() }
        for (family, deny) in [(LabFamily.v4, CompilerOptions.DenyAction.drop), (.v6, .reject)] {
            let runner = CaseRunner(lab: lab, programmer: programmer, options: CompilerOptions(denyAction: deny))
            let failures = try runner.run(testCase, family: family)
            #expect(failures.isEmpty, "\(testCase):\n\(failures.joined(separator: "\n"))")
        }
    }
}

extension ConformanceCase: CustomTestStringConvertible {
    var testDescription: String { description }
}
