import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// Where ClusterNetworkPolicy lands in the table: the input hook, the cost of pods no CNP selects,
/// incremental updates, comments and counters.
@Suite("ClusterNetworkPolicy layout")
struct ClusterPolicyLayoutTests {
    typealias C = TestCluster

    static let denyNodes = ClusterNetworkPolicy.admin("no-nodes", subject: .namespace(team: "b"),
                                                      egress: [.accept(.nodes(.labels(["role": "infra"]))), .deny(.nodes(.everything))])

    /// A compiler that was given the objects one at a time, as the agent's watch gives them.
    static func loaded(_ state: ClusterState) -> NodeCompiler {
        var compiler = NodeCompiler(node: "node-1")
        for namespace in state.namespaces { compiler.upsert(namespace) }
        for pod in state.pods { compiler.upsert(pod) }
        for node in state.nodes { compiler.upsert(node) }
        for policy in state.clusterPolicies { compiler.upsert(policy) }
        return compiler
    }

    func toOwnNode(_ source: String) -> Packet { Packet(ip(source), ip(C.node1), .tcp, 10250) }

    @Test("input hook: a pod's new connections to its own node are judged by its CNP egress rules")
    func inputHookEntries() throws {
        let ruleset = try C.compiled([Self.denyNodes])
        #expect(ruleset.evaluate(toOwnNode(C.db1), hook: .input) == .deny)
        #expect(ruleset.evaluate(Packet(ip(C.db1), ip(C.node1), .tcp, 10250, state: .established), hook: .input) == .accept)
        #expect(ruleset.evaluate(toOwnNode(C.web1), hook: .input) == .accept, "web-1 is no subject")
        #expect(!ruleset.allows(C.db1, C.node1), "the same rules on the forward hook")
        #expect(ruleset.allows(C.db1, C.node2, .tcp, 10250))
        let map = try #require(ruleset.set(named: "node_egress_v4"))
        #expect(map.elements.map(\.key) == [[.address(ip(C.db1))]])
    }

    @Test("input hook, --node-egress allow: the NetworkPolicy tier allows node traffic; Baseline judges unisolated pods")
    func inputHookTiers() throws {
        let baseline = ClusterNetworkPolicy.baseline("no-nodes", egress: [.deny(.nodes(.everything))])
        let isolated = Manifest.policy("out", ns: "beta", spec: "podSelector: {}\npolicyTypes: [Egress]")
        let ruleset = try C.compiled(policies: [isolated], [.admin("pass", egress: [.pass(.everyPod)]), baseline])
        #expect(ruleset.evaluate(toOwnNode(C.db1), hook: .input) == .accept, "isolated by an NP: node traffic allowed")
        #expect(!ruleset.allows(C.db1, C.node2), "forward: the NP denies")
        #expect(ruleset.evaluate(toOwnNode(C.web1), hook: .input) == .deny, "no NP: Baseline denies")

        let policyMode = try C.compiled(policies: [isolated], [baseline], options: CompilerOptions(nodeEgress: .policy))
        #expect(policyMode.evaluate(toOwnNode(C.db1), hook: .input) == .deny, "--node-egress policy: the NP judges")
        #expect(policyMode.evaluate(toOwnNode(C.web1), hook: .input) == .deny)
        #expect(policyMode.set(named: "node_egress_v4") == nil)
    }

    @Test("a pod no CNP selects: byte-identical table with and without 1,000 ClusterNetworkPolicies selecting no local pod")
    func unselectedPodsUnchanged() throws {
        let policy = Manifest.policy("web", ns: "alpha", spec: "podSelector: {}\ningress: [{from: [{podSelector: {}}]}]")
        let without = try C.compiled(policies: [policy], [])
        let unrelated = (0..<1000).map { number in
            ClusterNetworkPolicy(name: "cnp-\(number)", tier: number.isMultiple(of: 2) ? .admin : .baseline, priority: number % 1001,
                                 subject: .pods(namespaces: .everything, pods: .labels(["app": "nowhere-\(number)"])),
                                 ingress: [.deny(.everyPod)], egress: [.deny(.networks([CIDR("0.0.0.0/0")!]))])
        }
        let with = try C.compiled(policies: [policy], unrelated)
        #expect(with.text == without.text)
        #expect(with == without)
    }

    @Test("incremental updates (reprioritised, rules reordered, Node relabelled, CNP removed) equal a fresh compile")
    func incrementalEqualsFresh() throws {
        let first = ClusterNetworkPolicy.admin("a", priority: 10, egress: [.accept(.nodes(.labels(["role": "infra"]))), .deny(.everyPod)])
        let second = ClusterNetworkPolicy.admin("b", priority: 20, ingress: [.pass(.team("mon"))], egress: [.accept(.team("a"))])
        let third = ClusterNetworkPolicy.baseline("c", ingress: [.deny(.everyPod)])
        var state = try C.state(clusterPolicies: [first, second, third])
        var compiler = Self.loaded(state)
        #expect(compiler.ruleset() == compile(state))

        func change(_ body: (inout ClusterState, inout NodeCompiler) -> Void, _ what: Comment) {
            body(&state, &compiler)
            #expect(compiler.ruleset() == compile(state), what)
        }
        change({ state, compiler in
            state.clusterPolicies[1].priority = 5
            compiler.upsert(state.clusterPolicies[1])
        }, "reprioritised")
        change({ state, compiler in
            state.clusterPolicies[0].egress.reverse()
            compiler.upsert(state.clusterPolicies[0])
        }, "rules reordered")
        change({ state, compiler in
            state.nodes[0].labels = ["role": "infra"]
            compiler.upsert(state.nodes[0])
        }, "Node relabelled")
        change({ state, compiler in
            state.nodes[1].addresses = [ip("192.168.0.22")]
            compiler.upsert(state.nodes[1])
        }, "Node readdressed")
        change({ state, compiler in
            state.nodes.removeLast()
            compiler.removeNode(named: "node-2")
        }, "Node removed")
        change({ state, compiler in
            state.namespaces[0].labels = ["team": "mon"]
            compiler.upsert(state.namespaces[0])
        }, "namespace relabelled")
        change({ state, compiler in
            state.clusterPolicies.remove(at: 1)
            compiler.removeClusterPolicy(named: "b")
        }, "CNP removed")
    }

    @Test("a Node change moves only elements of the nodes sets: no chain, rule or map changes")
    func nodeChangeIsElementsOnly() throws {
        var state = try C.state(clusterPolicies: [Self.denyNodes])
        var compiler = Self.loaded(state)
        let before = compiler.ruleset()
        state.nodes[0].labels = ["role": "infra"]
        compiler.upsert(state.nodes[0])
        let after = compiler.ruleset()
        let operations = RulesetDiff.operations(from: before, to: after)
        #expect(!operations.isEmpty && operations.allSatisfy(\.isElementUpdate), "\(operations)")
        #expect(after.evaluate(toOwnNode(C.db1), hook: .input) == .accept, "node-1 is infra now: Accepted")
    }

    @Test("comments and counters name the tier, policy, direction, index, rule name and action")
    func commentsAndCounters() throws {
        let policy = ClusterNetworkPolicy.admin("deny-sensitive", subject: .namespace(team: "b"),
                                                egress: [.pass(.team("mon"), name: "monitoring"),
                                                         .deny(.networks([CIDR("203.0.113.0/24")!]), name: "deny-vault")])
        var compiler = Self.loaded(try C.state(clusterPolicies: [policy, .baseline("open", ingress: [.accept(.everyPod)])]))
        let text = compiler.ruleset().text
        #expect(text.contains("ClusterNetworkPolicy deny-sensitive (Admin, priority 10) egress[1] 'deny-vault': Deny"))
        let attribution = compiler.counterAttribution
        #expect(attribution["cnp_deny-sensitive_egress_1"] == CounterAttribution(
            policies: [policy.reference], direction: .egress, verdict: .denied, tier: .admin,
            clusterRule: ClusterRuleIdentity(index: 1, name: "deny-vault", action: .deny)))
        #expect(attribution["cnp_deny-sensitive_egress_0"]?.verdict == .passed)
        #expect(attribution["cnp_open_ingress_0"]?.tier == .baseline)
        #expect(attribution["cnp_open_ingress_0"]?.verdict == .allowed)
    }
}
