import ClusterModel
import Compiler
import NetnsLab
import Ruleset

/// Replays a case on a lab: after each step's actions, every node gets its freshly compiled
/// ruleset, then every check probes every ordered pod pair with real packets.
struct CaseRunner {
    let lab: Lab
    let programmer: NodeProgrammer
    let options: CompilerOptions
    /// How probes address the server pod: its IP, or its own Service's ClusterIP.
    var route: ProbeRoute = .podIP

    /// Spreads the e2e pods over two nodes so both same-node and cross-node paths are exercised.
    static func labPods(_ pods: [String]) -> [LabPodSpec] {
        let canonical = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
        return pods.map { LabPodSpec(name: $0, node: (canonical.firstIndex(of: $0) ?? 0) % 2 + 1) }
    }

    /// A pod pair a check expected otherwise.
    struct WrongCell: CustomStringConvertible {
        var step: Int
        var check: ConformanceCase.Check
        var family: LabFamily
        var pair: Pair
        var expected: Bool

        var description: String {
            "step \(step), \(check.port)/\(check.protocol) \(family.rawValue): \(pair) expected \(expected ? "allowed" : "denied"), observed \(expected ? "denied" : "allowed")"
        }
    }

    /// Returns the wrong cells (none when the case passes).
    func run(_ testCase: ConformanceCase, family: LabFamily) throws -> [WrongCell] {
        var cluster = try CaseCluster(for: testCase, addresses: lab, family: family)
        var failures: [WrongCell] = []
        for (stepIndex, step) in testCase.steps.enumerated() {
            for action in step.actions ?? [] { try cluster.perform(action) }
            try programmer.program(cluster.builder.state, on: lab, options: options)
            for check in step.checks ?? [] {
                let wrong = try verify(check, pods: testCase.pods, family: family)
                failures += wrong.map { WrongCell(step: stepIndex + 1, check: check, family: family, pair: $0.pair, expected: $0.expected) }
            }
        }
        return failures
    }

    /// Probes every pair but self-pairs (upstream ignores loopback).
    private func verify(_ check: ConformanceCase.Check, pods: [String], family: LabFamily) throws -> [(pair: Pair, expected: Bool)] {
        guard let proto = ProbeProtocol(rawValue: check.protocol.lowercased()) else {
            throw CaseError("unknown protocol \(check.protocol)")
        }
        let expected = check.reachability.truthTable(pods: pods)
        let cells = expected.keys.filter { $0.from != $0.to }.sorted().map { pair in
            (probe: Probe(from: pair.from, to: pair.to, port: check.port, proto: proto, family: family, route: route), expected: expected[pair]!)
        }
        return try lab.disagreements(cells).map { (Pair(from: $0.probe.from, to: $0.probe.to), $0.expected) }
    }
}
