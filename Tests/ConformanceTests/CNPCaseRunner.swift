import Compiler
import NetnsLab

/// Replays ClusterNetworkPolicy cases on one lab of the houses model: each case starts from the model,
/// applies its manifests, then after each step's actions every node gets its freshly compiled ruleset
/// and the step's probes run with real packets.
struct CNPCaseRunner {
    let lab: Lab
    let model: HousesModel
    let programmer: NodeProgrammer
    let options: CompilerOptions

    /// A probe a step expected otherwise.
    struct WrongProbe: CustomStringConvertible {
        var testCase: CNPCase
        var step: Int
        var probe: Probe
        var expected: Bool

        var description: String {
            let subtest = testCase.steps[step - 1].subtest
            return "\(testCase), step \(step) \"\(subtest)\": \(probe) expected \(expected ? "allowed" : "denied"), observed \(expected ? "denied" : "allowed")"
        }
    }

    /// Returns the wrong probes (none when the case passes).
    func run(_ testCase: CNPCase, family: LabFamily) throws -> [WrongProbe] {
        var cluster = try CaseCluster(objects: model.objects(in: lab), addresses: lab, family: family)
        for manifest in testCase.manifests ?? [] {
            try cluster.perform(ConformanceCase.Action(apply: HousesModel.manifestText(manifest)))
        }
        var failures: [WrongProbe] = []
        for (index, step) in testCase.steps.enumerated() {
            for action in step.actions ?? [] { try cluster.perform(action) }
            try programmer.program(cluster.builder.state, on: lab, options: options)
            let cells = try step.probes.filter { $0.family == nil || $0.family == family.rawValue }
                .map { (probe: try $0.probe(family: family), expected: $0.connected) }
            failures += try lab.disagreements(cells).map {
                WrongProbe(testCase: testCase, step: index + 1, probe: $0.probe, expected: $0.expected)
            }
        }
        return failures
    }
}
