import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing
import TestSupport

/// NodeCompiler follows changes element by element; whatever the sequence of changes, its result
/// must equal compiling the final cluster from scratch.
@Suite("Incremental compilation")
struct IncrementalCompilerTests {
    @Test("random change sequences give the same ruleset as a full compile", arguments: Array(UInt64(1)...40))
    func matchesFullCompile(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var world = RandomWorld()
        var incremental = NodeCompiler(node: "node-1")
        // The compiler patches the last ruleset's sets and chains (TableListing): some seeds compare
        // after every change, the rest after changes gathered over ten steps.
        let interval = seed % 4 == 0 ? 1 : 10
        for step in 0..<300 {
            world.change(&incremental, random: &random)
            if step % interval == interval - 1 {
                let full = PolicyCompiler.compile(world.state, node: "node-1")
                let result = incremental.ruleset()
                let same = result == full
                #expect(same, "seed \(seed), step \(step): incremental result differs:\n\(firstDifference(result, full))")
                if !same { return }
            }
        }
    }

    @Test("a remote pod change touches only set elements, not chains or maps")
    func remotePodChangeKeepsChains() {
        var compiler = NodeCompiler(node: "node-1")
        compiler.upsert(Namespace(name: "x", labels: ["kubernetes.io/metadata.name": "x"]))
        compiler.upsert(Pod(namespace: "x", name: "local", labels: ["app": "db"], nodeName: "node-1", addresses: [IPAddress("10.0.1.1")!]))
        compiler.upsert(NetworkPolicy(namespace: "x", name: "db", podSelector: selector("app", "db"), isolatesIngress: true,
                                      isolatesEgress: false,
                                      ingress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: selector("app", "web"))])]))
        let before = compiler.ruleset()
        compiler.upsert(Pod(namespace: "x", name: "web-1", labels: ["app": "web"], nodeName: "node-2", addresses: [IPAddress("10.0.2.1")!]))
        let after = compiler.ruleset()
        #expect(before.table.chains == after.table.chains)
        let changed = zip(before.table.sets, after.table.sets).filter { $0 != $1 }.map(\.1.name)
        #expect(changed.count == 1 && changed[0].hasPrefix("pods_") && changed[0].hasSuffix("_v4"))
        #expect(after.table.sets.first { $0.name == changed[0] }?.elements == [SetElement(key: [.address(IPAddress("10.0.2.1")!)])])
    }
}

private func selector(_ key: String, _ value: String) -> LabelSelector {
    LabelSelector(requirements: [.init(key: key, op: .in([value]))])
}

func firstDifference(_ a: Ruleset, _ b: Ruleset) -> String {
    let left = NftTextRenderer.render(a).split(separator: "\n"), right = NftTextRenderer.render(b).split(separator: "\n")
    for (index, (x, y)) in zip(left, right).enumerated() where x != y {
        return "line \(index + 1): incremental \(x)\n        full        \(y)"
    }
    return "lengths \(left.count) vs \(right.count)"
}

/// A cluster that changes at random, mirrored into a NodeCompiler. Small pools of names, labels
/// and addresses make collisions (reused IPs, shared selectors) frequent.
struct RandomWorld {
    var namespaces: [String: Namespace] = [:]
    var pods: [String: Pod] = [:]
    var policies: [String: NetworkPolicy] = [:]
    var clusterPolicies: [String: ClusterNetworkPolicy] = [:]
    var nodes: [ClusterNode] = []

    var state: ClusterState {
        ClusterState(namespaces: Array(namespaces.values), pods: Array(pods.values), policies: Array(policies.values),
                     clusterPolicies: Array(clusterPolicies.values), nodes: nodes)
    }

    mutating func change(_ compiler: inout NodeCompiler, random: inout SeededRandom) {
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            let name = ["x", "y", "z"].randomElement(using: &random)!
            let namespace = Namespace(name: name, labels: ["kubernetes.io/metadata.name": name, "team": ["a", "b"].randomElement(using: &random)!])
            namespaces[name] = namespace
            compiler.upsert(namespace)
        case 1:
            let name = ["x", "y", "z"].randomElement(using: &random)!
            namespaces[name] = nil
            compiler.removeNamespace(named: name)
        case 2, 3, 4, 5:
            let pod = randomPod(&random)
            pods["\(pod.namespace)/\(pod.name)"] = pod
            compiler.upsert(pod)
        case 6:
            guard let key = pods.keys.sorted().randomElement(using: &random) else { return }
            compiler.removePod(pods[key]!.reference)
            pods[key] = nil
        case 7, 8:
            let policy = randomPolicy(&random)
            policies["\(policy.namespace)/\(policy.name)"] = policy
            compiler.upsert(policy)
        default:
            guard let key = policies.keys.sorted().randomElement(using: &random) else { return }
            compiler.removePolicy(policies[key]!.reference)
            policies[key] = nil
        }
    }

    /// A ClusterNetworkPolicy upserted or removed.
    mutating func changeClusterPolicy(_ compiler: inout NodeCompiler, random: inout SeededRandom) {
        let name = "cnp\(Int.random(in: 0..<4, using: &random))"
        guard Int.random(in: 0..<4, using: &random) > 0 else {
            clusterPolicies[name] = nil
            compiler.removeClusterPolicy(named: name)
            return
        }
        func peer() -> ClusterPolicyPeer {
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return .namespaces(randomSelector(&random))
            case 1: return .pods(namespaces: randomSelector(&random), pods: randomSelector(&random))
            case 2: return .networks([CIDR("10.0.0.0/29")!])
            default: return .nodes(randomSelector(&random))
            }
        }
        func rules(egress: Bool) -> [ClusterPolicyRule] {
            (0..<Int.random(in: 0...2, using: &random)).map { _ in
                let peers = (0..<Int.random(in: 1...2, using: &random)).map { _ in peer() }.filter { peer in
                    switch peer {
                    case .networks, .nodes: return egress
                    default: return true
                    }
                }
                let protocols: [ClusterPolicyProtocol]? = Bool.random(using: &random) ? nil : [.ports(.tcp, 80...80), .namedPort("http")]
                return ClusterPolicyRule(action: ClusterPolicyRule.Action.allCases.randomElement(using: &random)!,
                                         peers: peers.isEmpty ? [.namespaces(.everything)] : peers, protocols: protocols)
            }
        }
        let subject: ClusterPolicySubject = Bool.random(using: &random) ? .namespaces(randomSelector(&random))
            : .pods(namespaces: randomSelector(&random), pods: randomSelector(&random))
        let policy = ClusterNetworkPolicy(name: name, tier: Bool.random(using: &random) ? .admin : .baseline,
                                          priority: Int.random(in: 0...2, using: &random), subject: subject,
                                          ingress: rules(egress: false), egress: rules(egress: true))
        clusterPolicies[name] = policy
        compiler.upsert(policy)
    }

    /// A change to a pod of `node`: one added, removed, relabelled, given other addresses, given an
    /// address another pod holds (IP reuse), or moved between nodes (either way).
    mutating func changeLocalPod(_ compiler: inout NodeCompiler, node: String, random: inout SeededRandom) {
        let local = pods.keys.filter { pods[$0]!.nodeName == node }.sorted()
        guard let key = local.randomElement(using: &random), Int.random(in: 0..<6, using: &random) > 0 else {
            var pod = randomPod(&random)
            pod.nodeName = node
            pods["\(pod.namespace)/\(pod.name)"] = pod
            compiler.upsert(pod)
            return
        }
        var pod = pods[key]!
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            pods[key] = nil
            compiler.removePod(pod.reference)
            return
        case 1: pod.labels = randomLabels(&random)
        case 2: pod.addresses = randomPod(&random).addresses
        case 3:
            guard let other = pods.values.filter({ $0.reference != pod.reference }).flatMap(\.addresses).sorted().randomElement(using: &random)
            else { return }
            pod.addresses = [other]
            pod.creationTimestamp = randomPod(&random).creationTimestamp
        case 4:
            // A pod of another node moves here, or this one moves away.
            guard let remote = pods.keys.filter({ pods[$0]!.nodeName != node }).sorted().randomElement(using: &random) else { return }
            pod = pods[remote]!
            pod.nodeName = node
        default: pod.nodeName = "node-2"
        }
        pods["\(pod.namespace)/\(pod.name)"] = pod
        compiler.upsert(pod)
    }

    private func randomPod(_ random: inout SeededRandom) -> Pod {
        let v4 = IPAddress("10.0.0.\(Int.random(in: 1...12, using: &random))")!
        let v6 = IPAddress("fd00::\(Int.random(in: 1...12, using: &random))")!
        let addresses = [[v4], [v6], [v4, v6], []].randomElement(using: &random)!
        let ports = [NamedPort(name: "http", proto: .tcp, port: [80, 8080].randomElement(using: &random)!),
                     NamedPort(name: "dns", proto: .udp, port: 53)].filter { _ in Bool.random(using: &random) }
        return Pod(namespace: ["x", "y", "z"].randomElement(using: &random)!, name: "p\(Int.random(in: 0..<8, using: &random))",
                   labels: randomLabels(&random), nodeName: ["node-1", "node-2"].randomElement(using: &random)!,
                   hostNetwork: Int.random(in: 0..<10, using: &random) == 0,
                   phase: [.running, .running, .running, .pending, .succeeded, .failed].randomElement(using: &random)!,
                   addresses: addresses, namedPorts: ports,
                   creationTimestamp: "2026-01-0\(Int.random(in: 1...9, using: &random))T00:00:00Z")
    }

    private func randomLabels(_ random: inout SeededRandom) -> [String: String] {
        var labels: [String: String] = [:]
        if Bool.random(using: &random) { labels["app"] = ["web", "db", "api"].randomElement(using: &random)! }
        if Bool.random(using: &random) { labels["tier"] = ["front", "back"].randomElement(using: &random)! }
        return labels
    }

    private func randomSelector(_ random: inout SeededRandom) -> LabelSelector {
        let options: [LabelSelector.Requirement] = [
            .init(key: "app", op: .in(["web"])), .init(key: "app", op: .in(["db", "api"])), .init(key: "tier", op: .notIn(["front"])),
            .init(key: "tier", op: .exists), .init(key: "app", op: .doesNotExist), .init(key: "team", op: .in(["a"])),
        ]
        return LabelSelector(requirements: options.filter { _ in Int.random(in: 0..<3, using: &random) == 0 })
    }

    private func randomPolicy(_ random: inout SeededRandom) -> NetworkPolicy {
        func rule() -> PolicyRule {
            let peers: [Peer]? = Bool.random(using: &random) ? nil : (0..<Int.random(in: 1...2, using: &random)).map { _ in
                switch Int.random(in: 0..<3, using: &random) {
                case 0: return .pods(namespaces: .named("x"), pods: randomSelector(&random))
                case 1: return .pods(namespaces: .selected(randomSelector(&random)), pods: randomSelector(&random))
                default: return .ipBlock(IPBlock(cidr: CIDR("10.0.0.0/28")!, except: [CIDR("10.0.0.4/30")!]))
                }
            }
            let ports: [PolicyPort]? = Bool.random(using: &random) ? nil : [
                PolicyPort(proto: .tcp, target: .named("http")), PolicyPort(proto: .udp, target: .numbers(53...60)),
                PolicyPort(proto: .sctp, target: .all),
            ].filter { _ in Bool.random(using: &random) }
            return PolicyRule(peers: peers, ports: ports?.isEmpty == true ? nil : ports)
        }
        return NetworkPolicy(namespace: ["x", "y"].randomElement(using: &random)!, name: "pol\(Int.random(in: 0..<5, using: &random))",
                             podSelector: randomSelector(&random), isolatesIngress: Bool.random(using: &random),
                             isolatesEgress: Bool.random(using: &random),
                             ingress: (0..<Int.random(in: 0...2, using: &random)).map { _ in rule() },
                             egress: (0..<Int.random(in: 0...2, using: &random)).map { _ in rule() })
    }
}
