import ClusterModel
import Compiler
import Manifests
import Testing
import TestSupport

/// The builder keeps pods in a list with their positions: replacing, removing and taking the state
/// must give what a table by reference gave, and the state sorted by namespace and name.
@Suite("Cluster builder")
struct ClusterBuilderTests {
    @Test("pods added, replaced and removed in any order read as a table by reference would", arguments: 0..<3)
    func podsAsATable(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var builder = ClusterBuilder()
        var expected: [ObjectReference: Pod] = [:]
        for step in 0..<2_000 {
            let pod = Pod(namespace: "ns-\(random.int(0...3))", name: "pod-\(random.int(0...60))", labels: ["step": "\(step)"])
            if random.int(0...3) == 0 {
                builder.remove(pod.reference)
                expected[pod.reference] = nil
            } else {
                builder.add(.pod(pod))
                expected[pod.reference] = pod
            }
            let probe = ObjectReference(kind: "Pod", namespace: "ns-\(random.int(0...3))", name: "pod-\(random.int(0...60))")
            #expect(builder.pod(probe) == expected[probe])
        }
        let sorted = expected.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        #expect(builder.state.pods == sorted)
    }
}
