import Compiler
import Explain
import Foundation
import IPAddressing
import NetnsLab
import Testing

/// Every upstream and own case, judged by `agent explain --matrix --output json` (the explainer and
/// the JSON it prints) instead of packets: after each step's actions, every check's truth table must
/// equal the matrix, over IPv4 and IPv6, SCTP included. No kernel.
@Suite("NetworkPolicy conformance through explain --matrix")
struct ExplainMatrixTests {
    struct MatrixDocument: Decodable {
        var pods: [String]
        var allowed: [[Bool]]
    }

    @Test("upstream and own cases: the matrix equals the truth tables",
          arguments: ConformanceTests.upstreamCases + ConformanceTests.ownCases)
    func matrixEqualsTruthTables(_ testCase: ConformanceCase) throws {
        try #require(testCase.unsupported == nil, "case marked unsupported: \(testCase.unsupported ?? "")")
        var wrong: [String] = []
        for family in LabFamily.allCases {
            var cluster = try CaseCluster(for: testCase, addresses: PlannedAddresses(pods: testCase.pods), family: family)
            for (stepIndex, step) in testCase.steps.enumerated() {
                for action in step.actions ?? [] { try cluster.perform(action) }
                let explainer = ClusterExplainer(cluster.builder.state)
                for check in step.checks ?? [] {
                    let proto = try #require(L4Protocol(kubernetesName: check.protocol.uppercased()))
                    let query = ConnectionQuery(proto: proto, port: check.port, family: family == .v4 ? .v4 : .v6)
                    let json = try MatrixRendering.json(explainer.matrix(query))
                    let matrix = try JSONDecoder().decode(MatrixDocument.self, from: Data(json.utf8))
                    #expect(Set(matrix.pods) == Set(testCase.pods))
                    let expected = check.reachability.truthTable(pods: testCase.pods)
                    for (i, from) in matrix.pods.enumerated() {
                        for (j, to) in matrix.pods.enumerated() where from != to && expected[Pair(from: from, to: to)] != matrix.allowed[i][j] {
                            wrong.append("step \(stepIndex + 1), \(query.description) \(family.rawValue): \(from) -> \(to) expected "
                                         + "\(matrix.allowed[i][j] ? "denied" : "allowed"), explain says \(matrix.allowed[i][j] ? "allowed" : "denied")")
                        }
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(testCase):\n\(wrong.prefix(20).joined(separator: "\n"))")
    }
}
