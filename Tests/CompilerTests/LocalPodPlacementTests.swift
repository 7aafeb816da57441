import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing
import TestSupport

/// A change to a pod of this node places that pod again rather than rebuilding the node's chains and
/// maps. Whatever the sequence, everything derived must equal a fresh compile of the same cluster, and
/// the table must change only by the pod's elements and, when its group is new or emptied, its chains.
@Suite("Local pods placed one by one")
struct LocalPodPlacementTests {
    /// Deny logging, strict mode and both node egress modes, in turn by seed.
    private static func options(_ seed: UInt64) -> CompilerOptions {
        let logging = seed % 2 == 0 ? DenyLogging() : nil
        return CompilerOptions(denyAction: seed % 3 == 0 ? .reject : .drop, unknownPodIPs: seed % 4 < 2 ? .deny : .allow,
                               nodeEgress: seed % 5 == 0 ? .policy : .allow, denyLogging: logging)
    }

    private static let network = NodeNetwork(podCIDRs: [CIDR("10.0.0.0/28")!, CIDR("fd00::/124")!], addresses: [IPAddress("10.0.0.13")!])

    @Test("local pod churn among policy, ClusterNetworkPolicy and namespace changes equals a fresh compile at every step",
          arguments: Array(UInt64(1)...20))
    func matchesFreshCompile(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let options = Self.options(seed)
        var world = RandomWorld()
        world.nodes = [ClusterNode(name: "node-1", labels: ["team": "a"], addresses: [IPAddress("10.0.0.13")!]),
                       ClusterNode(name: "node-2", labels: ["app": "db"], addresses: [IPAddress("10.0.0.14")!, IPAddress("fd00::14")!])]
        var incremental = NodeCompiler(node: "node-1", options: options)
        incremental.setNodeNetwork(Self.network)
        for node in world.nodes { incremental.upsert(node) }
        for step in 0..<120 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6: world.changeLocalPod(&incremental, node: "node-1", random: &random)
            case 6: world.changeClusterPolicy(&incremental, random: &random)
            default: world.change(&incremental, random: &random)
            }
            let result = incremental.ruleset()
            var fresh = PolicyCompiler.compiler(for: world.state, node: "node-1", options: options, network: Self.network)
            let expected = fresh.ruleset()
            let context = "seed \(seed), step \(step)"
            guard result == expected else {
                Issue.record("\(context): the ruleset differs from a fresh compile:\n\(firstDifference(result, expected))")
                return
            }
            #expect(incremental.counterAttribution == fresh.counterAttribution, "\(context): counter attribution")
            #expect(incremental.denyLogAttribution == fresh.denyLogAttribution, "\(context): deny log attribution")
            let meaning = incremental.meaning, freshMeaning = fresh.meaning
            #expect(meaning.chains == freshMeaning.chains && meaning.sets == freshMeaning.sets
                        && meaning.dispatchMaps == freshMeaning.dispatchMaps, "\(context): meaning")
            #expect(result.unreachableChains.isEmpty, "\(context): chains reached from no base chain: \(result.unreachableChains)")
        }
    }

    // MARK: - What the table's delta holds

    private static let web = LabelSelector.labels(["app": "web"])

    /// Namespace x, a NetworkPolicy isolating its `app: db` pods for ingress from `app: web`, and db-1 on this node.
    private func compilerWithGroup(clusterPolicies: [ClusterNetworkPolicy] = []) -> NodeCompiler {
        var compiler = NodeCompiler(node: "node-1")
        compiler.upsert(Namespace(name: "x", labels: ["kubernetes.io/metadata.name": "x", "team": "a"]))
        compiler.upsert(NetworkPolicy(namespace: "x", name: "db", podSelector: .labels(["app": "db"]), isolatesIngress: true,
                                      isolatesEgress: false, ingress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: Self.web)])]))
        compiler.upsert(pod("db-1", app: "db", "10.0.1.1"))
        for policy in clusterPolicies { compiler.upsert(policy) }
        return compiler
    }

    private func pod(_ name: String, app: String, _ address: String) -> Pod {
        Pod(namespace: "x", name: name, labels: ["app": app], nodeName: "node-1", addresses: [IPAddress(address)!])
    }

    @Test("a pod joining its group adds map elements only, and its peer-set elements")
    func joiningAGroup() {
        var compiler = compilerWithGroup()
        let before = compiler.ruleset()
        compiler.upsert(pod("db-2", app: "db", "10.0.1.2"))
        let joined = DeltaShape(RulesetDiff.operations(from: before, to: compiler.ruleset()))
        #expect(joined.onlyElements)
        #expect(joined.elementsAdded == ["ingress_v4"])
        // A pod a peer selects joins that peer's set too.
        let web = compiler.ruleset()
        compiler.upsert(pod("web-1", app: "web", "10.0.1.3"))
        let peer = DeltaShape(RulesetDiff.operations(from: web, to: compiler.ruleset()))
        #expect(peer.onlyElements)
        #expect(peer.elementsAdded.count == 1 && peer.elementsAdded.first!.hasPrefix("pods_"))
    }

    @Test("the first pod of a new group creates its chain with its counters; the last one leaving deletes them")
    func newAndEmptiedGroup() {
        var compiler = compilerWithGroup()
        compiler.upsert(NetworkPolicy(namespace: "x", name: "api", podSelector: .labels(["app": "api"]), isolatesIngress: true,
                                      isolatesEgress: false, ingress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: Self.web)])]))
        let before = compiler.ruleset()
        compiler.upsert(pod("api-1", app: "api", "10.0.1.5"))
        let withGroup = compiler.ruleset()
        let created = DeltaShape(RulesetDiff.operations(from: before, to: withGroup))
        let chain = created.chainsAdded.first ?? "none"
        #expect(created.chainsAdded.count == 1 && chain.hasPrefix("ingress_"))
        #expect(created.countersAdded == ["deny_\(chain)", "allow_x_api_ingress"])
        #expect(created.rulesAddedTo == [chain] && created.elementsAdded == ["ingress_v4"])
        #expect(created.deletions.isEmpty && created.chainsFlushed.isEmpty)

        compiler.removePod(pod("api-1", app: "api", "10.0.1.5").reference)
        let emptied = DeltaShape(RulesetDiff.operations(from: withGroup, to: compiler.ruleset()))
        #expect(emptied.chainsDeleted == [chain] && emptied.chainsFlushed == [chain])
        #expect(emptied.countersDeleted == ["deny_\(chain)", "allow_x_api_ingress"])
        #expect(emptied.elementsDeleted == ["ingress_v4"])
        #expect(emptied.additions.isEmpty)
    }

    @Test("with Admin and Baseline ClusterNetworkPolicies: a joining pod adds elements only; a new group creates its tier chains, the last pod deletes them")
    func clusterPolicyGroup() {
        let subject = ClusterPolicySubject.pods(namespaces: .everything, pods: .labels(["app": "cache"]))
        let admin = ClusterNetworkPolicy.admin("guard", subject: subject, ingress: [.deny(.team("b"))])
        let baseline = ClusterNetworkPolicy.baseline("floor", subject: subject, ingress: [.accept(.team("a"))])
        var compiler = compilerWithGroup(clusterPolicies: [admin, baseline])
        let before = compiler.ruleset()
        compiler.upsert(pod("cache-1", app: "cache", "10.0.1.7"))
        let withGroup = compiler.ruleset()
        let created = DeltaShape(RulesetDiff.operations(from: before, to: withGroup))
        #expect(created.chainsAdded.count == 2 && created.chainsAdded.contains { $0.hasPrefix("ingress_admin_") }
                    && created.chainsAdded.contains { $0.hasPrefix("ingress_baseline_") })
        #expect(created.countersAdded == ["cnp_guard_ingress_0", "cnp_floor_ingress_0"])
        // The tier chains bring their peer sets: namespaces of team a and of team b, IPv4 only, as the pod is.
        #expect(created.setsAdded.count == 2 && created.setsAdded.allSatisfy { $0.hasPrefix("pods_") && $0.hasSuffix("_v4") })
        #expect(created.rulesAddedTo == created.chainsAdded && created.elementsAdded == ["ingress_v4"])
        #expect(created.deletions.isEmpty && created.chainsFlushed.isEmpty, "\(created)")

        // cache-2 is in namespace x of team a: the Baseline peer set holds it too.
        compiler.upsert(pod("cache-2", app: "cache", "10.0.1.8"))
        let joined = compiler.ruleset()
        let join = DeltaShape(RulesetDiff.operations(from: withGroup, to: joined))
        let teamA = withGroup.table.sets.filter { set in
            created.setsAdded.contains(set.name) && set.elements.contains(SetElement(key: [.address(IPAddress("10.0.1.7")!)]))
        }.map(\.name)
        #expect(teamA.count == 1)
        #expect(join.onlyElements && join.elementsAdded == Set(["ingress_v4"] + teamA), "\(join)")

        compiler.removePod(pod("cache-2", app: "cache", "10.0.1.8").reference)
        let left = compiler.ruleset()
        let leave = DeltaShape(RulesetDiff.operations(from: joined, to: left))
        #expect(leave.onlyElements && leave.elementsDeleted == join.elementsAdded && leave.additions.isEmpty, "\(leave)")

        compiler.removePod(pod("cache-1", app: "cache", "10.0.1.7").reference)
        let emptied = DeltaShape(RulesetDiff.operations(from: left, to: compiler.ruleset()))
        #expect(emptied.chainsDeleted == created.chainsAdded && emptied.countersDeleted == created.countersAdded
                    && emptied.setsDeleted == created.setsAdded, "\(emptied)")
        #expect(emptied.additions.isEmpty)
    }
}

/// The operations of one delta, sorted by what they do.
private struct DeltaShape {
    var chainsAdded: Set<String> = [], chainsFlushed: Set<String> = [], chainsDeleted: Set<String> = []
    var countersAdded: Set<String> = [], countersDeleted: Set<String> = []
    var setsAdded: Set<String> = [], setsDeleted: Set<String> = []
    var rulesAddedTo: Set<String> = []
    /// Sets and maps that gain or lose elements, new sets' first elements left out.
    var elementsAdded: Set<String> = [], elementsDeleted: Set<String> = []
    var others: [RulesetOperation] = []

    init(_ operations: [RulesetOperation]) {
        for operation in operations {
            switch operation {
            case .addChain(let chain): chainsAdded.insert(chain.name)
            case .flushChain(let name): chainsFlushed.insert(name)
            case .deleteChain(let name): chainsDeleted.insert(name)
            case .addCounter(let counter): countersAdded.insert(counter.name)
            case .deleteCounter(let name): countersDeleted.insert(name)
            case .addRule(let chain, _): rulesAddedTo.insert(chain)
            case .addSet(let set): setsAdded.insert(set.name)
            case .deleteSet(let name): setsDeleted.insert(name)
            case .addElements(let set) where !setsAdded.contains(set.name): elementsAdded.insert(set.name)
            case .addElements: break
            case .deleteElements(let set): elementsDeleted.insert(set.name)
            default: others.append(operation)
            }
        }
    }

    var onlyElements: Bool {
        chainsAdded.isEmpty && chainsFlushed.isEmpty && chainsDeleted.isEmpty && countersAdded.isEmpty && countersDeleted.isEmpty
            && setsAdded.isEmpty && setsDeleted.isEmpty && rulesAddedTo.isEmpty && others.isEmpty
    }

    /// Everything created or added.
    var additions: Set<String> { chainsAdded.union(countersAdded).union(setsAdded).union(rulesAddedTo).union(elementsAdded) }

    /// Everything deleted, and operations of other kinds.
    var deletions: [String] { Array(chainsDeleted) + Array(countersDeleted) + Array(setsDeleted) + Array(elementsDeleted) + others.map { "\($0)" } }
}
