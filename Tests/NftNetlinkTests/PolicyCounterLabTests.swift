import ClusterModel
import Compiler
import IPAddressing
import NetnsLab
import NftNetlink
import Ruleset
import Testing

/// End to end with real packets: a policy allowing x/b → x/a counts that traffic in its allowed counter,
/// the chain enforcing it counts y/a → x/a in its denied counter, and the compiler's attribution maps
/// both counters to the policy.
@Suite struct PolicyCounterLabTests {
    @Test func probesAreCountedPerPolicy() throws {
        let lab = try Lab(nodes: 1, pods: ["x/a", "x/b", "y/a"].map { LabPodSpec(name: $0, node: 1) })
        defer { lab.destroy() }
        let policy = NetworkPolicy(namespace: "x", name: "a-from-b", podSelector: Self.selector("pod", "a"), isolatesIngress: true,
                                   isolatesEgress: false,
                                   ingress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: Self.selector("pod", "b"))])])
        var compiler = Self.compiler(for: lab)
        compiler.upsert(policy)
        let ruleset = compiler.ruleset()
        let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: lab.nodeNamespace(1))
        try programmer.apply(ruleset)

        let attribution = compiler.counterAttribution
        let allowed = try #require(attribution.first { $0.value.verdict == .allowed }?.key)
        let denied = try #require(attribution.first { $0.value.verdict == .denied }?.key)
        #expect(attribution == [allowed: CounterAttribution(policies: [policy.reference], direction: .ingress, verdict: .allowed),
                                denied: CounterAttribution(policies: [policy.reference], direction: .ingress, verdict: .denied)])

        #expect(try lab.probe([Self.probe(from: "x/b")]) == [true])
        let afterAllowed = try programmer.readCounters()
        #expect(Set(afterAllowed.keys) == Set(attribution.keys))
        #expect((afterAllowed[allowed]?.packets ?? 0) > 0)
        #expect(afterAllowed[denied]?.packets == 0)

        #expect(try lab.probe([Self.probe(from: "y/a")]) == [false])
        let afterDenied = try programmer.readCounters()
        #expect(afterDenied[allowed] == afterAllowed[allowed])
        #expect((afterDenied[denied]?.packets ?? 0) > 0)
    }

    /// The lab's namespaces and pods, every pod labelled `pod: <name>` on node 1.
    private static func compiler(for lab: Lab) -> NodeCompiler {
        var compiler = NodeCompiler(node: lab.nodeName(1))
        for namespace in ["x", "y"] { compiler.upsert(Namespace(name: namespace, labels: ["kubernetes.io/metadata.name": namespace])) }
        for pod in lab.podNames {
            let parts = pod.split(separator: "/").map(String.init)
            let addresses = LabFamily.allCases.compactMap { IPAddress(lab.address(of: pod, family: $0)) }
            compiler.upsert(Pod(namespace: parts[0], name: parts[1], labels: ["pod": parts[1]], nodeName: lab.nodeName(1),
                                addresses: addresses))
        }
        return compiler
    }

    private static func probe(from pod: String) -> Probe {
        Probe(from: pod, to: "x/a", port: 80, proto: .tcp, family: .v4)
    }

    private static func selector(_ key: String, _ value: String) -> LabelSelector {
        LabelSelector(requirements: [.init(key: key, op: .in([value]))])
    }
}
