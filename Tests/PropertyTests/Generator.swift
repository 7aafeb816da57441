import ClusterModel
import Compiler
import Foundation
import IPAddressing
import TestSupport

// MARK: - What the generator produces: the wire objects as plain values, which the oracle reads too

struct GenSelector {
    var matchLabels: [String: String]?
    var expressions: [(key: String, op: String, values: [String]?)]?

    var json: [String: Any] {
        var object: [String: Any] = [:]
        if let matchLabels { object["matchLabels"] = matchLabels }
        if let expressions {
            object["matchExpressions"] = expressions.map { expression -> [String: Any] in
                var entry: [String: Any] = ["key": expression.key, "operator": expression.op]
                if let values = expression.values { entry["values"] = values }
                return entry
            }
        }
        return object
    }
}

struct GenPeer {
    var podSelector: GenSelector?
    var namespaceSelector: GenSelector?
    var ipBlock: (cidr: String, except: [String]?)?

    var json: [String: Any] {
        var object: [String: Any] = [:]
        if let podSelector { object["podSelector"] = podSelector.json }
        if let namespaceSelector { object["namespaceSelector"] = namespaceSelector.json }
        if let ipBlock {
            var block: [String: Any] = ["cidr": ipBlock.cidr]
            if let except = ipBlock.except { block["except"] = except }
            object["ipBlock"] = block
        }
        return object
    }
}

enum GenPortValue {
    case number(Int)
    case name(String)
}

struct GenPort {
    var proto: String?
    var port: GenPortValue?
    var endPort: Int?

    var json: [String: Any] {
        var object: [String: Any] = [:]
        if let proto { object["protocol"] = proto }
        switch port {
        case .number(let number)?: object["port"] = number
        case .name(let name)?: object["port"] = name
        case nil: break
        }
        if let endPort { object["endPort"] = endPort }
        return object
    }
}

struct GenRule {
    var peers: [GenPeer]?
    var ports: [GenPort]?

    func json(peerKey: String) -> [String: Any] {
        var object: [String: Any] = [:]
        if let peers { object[peerKey] = peers.map(\.json) }
        if let ports { object["ports"] = ports.map(\.json) }
        return object
    }
}

struct GenPolicy {
    var namespace: String
    var name: String
    var podSelector: GenSelector?
    var policyTypes: [String]?
    var ingress: [GenRule]?
    var egress: [GenRule]?

    var json: [String: Any] {
        var spec: [String: Any] = [:]
        if let podSelector { spec["podSelector"] = podSelector.json }
        if let policyTypes { spec["policyTypes"] = policyTypes }
        if let ingress { spec["ingress"] = ingress.map { $0.json(peerKey: "from") } }
        if let egress { spec["egress"] = egress.map { $0.json(peerKey: "to") } }
        return ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": ["name": name, "namespace": namespace], "spec": spec]
    }
}

struct GenContainerPort {
    var name: String?
    var number: Int
    var proto: String?

    var json: [String: Any] {
        var object: [String: Any] = ["containerPort": number]
        if let name { object["name"] = name }
        if let proto { object["protocol"] = proto }
        return object
    }
}

struct GenPod {
    var namespace: String
    var name: String
    var labels: [String: String]
    var node: String?
    var hostNetwork: Bool
    var phase: String?
    var ips: [String]
    var created: String?
    var containers: [[GenContainerPort]]
    /// Init containers: (restartPolicy, ports). Only sidecars (restartPolicy Always) serve ports.
    var initContainers: [(restartPolicy: String?, ports: [GenContainerPort])] = []
    /// Only status.podIP, no status.podIPs (older API servers, single-stack).
    var podIPOnly = false

    /// The container ports named ports resolve against: containers and sidecars.
    var servingPorts: [GenContainerPort] {
        Array(containers.joined()) + initContainers.filter { $0.restartPolicy == "Always" }.flatMap(\.ports)
    }

    var json: [String: Any] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace, "labels": labels]
        if let created { metadata["creationTimestamp"] = created }
        var spec: [String: Any] = [
            "containers": containers.enumerated().map { index, ports -> [String: Any] in
                ["name": "c\(index)", "ports": ports.map(\.json)]
            },
        ]
        if !initContainers.isEmpty {
            spec["initContainers"] = initContainers.enumerated().map { index, container -> [String: Any] in
                var object: [String: Any] = ["name": "init\(index)", "ports": container.ports.map(\.json)]
                if let policy = container.restartPolicy { object["restartPolicy"] = policy }
                return object
            }
        }
        if let node { spec["nodeName"] = node }
        if hostNetwork { spec["hostNetwork"] = true }
        var status: [String: Any] = [:]
        if let phase { status["phase"] = phase }
        if let first = ips.first { status["podIP"] = first }
        if !ips.isEmpty && !podIPOnly { status["podIPs"] = ips.map { ["ip": $0] } }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status]
    }
}

struct GenNamespace {
    var name: String
    var labels: [String: String]

    var json: [String: Any] { ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name, "labels": labels]] }
}

struct GenCluster {
    var namespaces: [GenNamespace]
    var pods: [GenPod]
    var policies: [GenPolicy]
    var clusterPolicies: [GenCNP]
    var nodes: [GenNode]
    var node: String
    /// Every ipBlock cidr and except and every `networks` CIDR, for choosing interesting addresses.
    var blocks: [String]

    /// Decodes the wire objects from JSON and validates them, as the agent would.
    func validated() throws -> ClusterState {
        func decode<T: Decodable>(_ type: T.Type, _ object: [String: Any]) throws -> T {
            try JSONDecoder().decode(type, from: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        return ClusterState(
            namespaces: try namespaces.map { try Namespace(validating: decode(NamespaceObject.self, $0.json)) },
            pods: try pods.map { try Pod(validating: decode(PodObject.self, $0.json)) },
            policies: try policies.map { try NetworkPolicy(validating: decode(NetworkPolicyObject.self, $0.json)) },
            clusterPolicies: try clusterPolicies.map { policy in
                let object = try decode(ClusterNetworkPolicyObject.self, policy.json)
                guard policy.unreadable else { return try ClusterNetworkPolicy(validating: object) }
                do {
                    _ = try ClusterNetworkPolicy(validating: object)
                    throw GeneratorError(description: "\(policy.name) was meant to be unreadable")
                } catch let error as ValidationError {
                    return ClusterNetworkPolicy(failingClosed: object, metadata: object.metadata, reason: "\(error)")!
                }
            },
            nodes: try nodes.map { try ClusterNode(validating: decode(NodeObject.self, $0.json)) })
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
}

// MARK: - Random clusters

struct ClusterGenerator {
    var random: SeededRandom

    static let podKeys = ["app", "tier", "role"]
    static let namespaceKeys = ["team", "env"]
    static let values = ["a", "b", "c"]
    static let portNames = ["http", "dns", "metrics", "web-1", "grpc"]
    static let protocols = ["TCP", "UDP", "SCTP"]
    static let commonPorts = [53, 80, 443, 8080, 9000, 9100]

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    /// Picks by weight: [(weight, value)].
    mutating func weighted<T>(_ choices: [(Double, T)]) -> T {
        var roll = Double.random(in: 0..<choices.reduce(0) { $0 + $1.0 }, using: &random)
        for (weight, value) in choices {
            if roll < weight { return value }
            roll -= weight
        }
        return choices[choices.count - 1].1
    }

    mutating func cluster() -> GenCluster {
        let namespaceNames = Array(["ns-a", "ns-b", "ns-c", "ns-d"].prefix(int(1...4)))
        var namespaces: [GenNamespace] = []
        for name in namespaceNames {
            var labels: [String: String] = [:]
            for key in Self.namespaceKeys where chance(0.6) { labels[key] = pick(Self.values) }
            namespaces.append(GenNamespace(name: name, labels: labels))
        }
        var pods: [GenPod] = []
        for index in 0..<int(0...30) { pods.append(pod(index, namespaces: namespaceNames)) }
        var blocks: [String] = []
        var policies: [GenPolicy] = []
        for index in 0..<int(0...12) { policies.append(policy(index, namespaces: namespaceNames, blocks: &blocks)) }
        let clusterPolicies = clusterPolicies(namespaces: namespaceNames, blocks: &blocks)
        return GenCluster(namespaces: namespaces, pods: pods, policies: policies, clusterPolicies: clusterPolicies, nodes: nodes(),
                          node: weighted([(0.45, "node-1"), (0.45, "node-2"), (0.1, "node-3")]), blocks: blocks)
    }

    /// Small address pools, so that addresses get reused and ipBlocks hit pods.
    mutating func v4() -> String { "10.0.\(int(0...1)).\(int(1...20))" }
    mutating func v6() -> String { "fd00::\(int(0...1)):\(String(int(1...20), radix: 16))" }

    mutating func pod(_ index: Int, namespaces: [String]) -> GenPod {
        var labels: [String: String] = [:]
        for key in Self.podKeys where chance(0.5) { labels[key] = pick(Self.values) }
        let hostNetwork = chance(0.08)
        var ips: [String]
        if hostNetwork {
            ips = ["192.168.0.\(int(1...3))"]
        } else {
            ips = weighted([(0.12, []), (0.45, [v4()]), (0.15, [v6()]), (0.28, [v4(), v6()])])
            if ips.count == 2 && chance(0.5) { ips.reverse() }
        }
        // Port names are mostly unique in a pod, as the API server wants them per container.
        var names = Self.portNames.shuffled(using: &random)
        func ports(_ generator: inout ClusterGenerator) -> [GenContainerPort] {
            (0..<generator.int(0...3)).map { _ in
                let name: String? = generator.chance(0.7) && !names.isEmpty
                    ? (generator.chance(0.9) ? names.removeLast() : generator.pick(Self.portNames)) : nil
                let number = generator.chance(0.7) ? generator.pick(Self.commonPorts) : generator.int(1...65535)
                return GenContainerPort(name: name, number: number, proto: generator.chance(0.3) ? nil : generator.pick(Self.protocols))
            }
        }
        let containers = (0..<int(1...2)).map { _ in ports(&self) }
        var initContainers: [(restartPolicy: String?, ports: [GenContainerPort])] = []
        if chance(0.15) {
            initContainers.append((pick(["Always", "Always", "OnFailure"] as [String?] + [nil]), ports(&self)))
        }
        let podIPOnly = ips.count == 1 && chance(0.2)
        var pod = GenPod(
            namespace: pick(namespaces), name: "pod-\(index)", labels: labels,
            node: weighted([(0.47, "node-1"), (0.47, "node-2"), (0.06, nil)]),
            hostNetwork: hostNetwork,
            phase: weighted([(0.72, "Running"), (0.08, "Pending"), (0.08, "Succeeded"), (0.06, "Failed"), (0.06, nil)]),
            ips: ips, created: chance(0.9) ? "2024-01-0\(int(1...9))T00:00:00Z" : nil, containers: containers)
        pod.initContainers = initContainers
        pod.podIPOnly = podIPOnly
        return pod
    }

    mutating func selector(keys: [String], values: [String]) -> GenSelector {
        if chance(0.15) { return GenSelector() }
        var selector = GenSelector()
        if chance(0.5) {
            var labels: [String: String] = [:]
            for _ in 0..<int(0...2) { labels[pick(keys)] = pick(values) }
            selector.matchLabels = labels
        }
        if chance(0.5) {
            var expressions: [(key: String, op: String, values: [String]?)] = []
            for _ in 0..<int(0...2) {
                let op = pick(["In", "NotIn", "Exists", "DoesNotExist"])
                let key = pick(keys)
                switch op {
                case "In", "NotIn": expressions.append((key, op, (0..<int(1...2)).map { _ in pick(values) }))
                default: expressions.append((key, op, chance(0.3) ? [] : nil))
                }
            }
            selector.expressions = expressions
        }
        return selector
    }

    mutating func podSelector() -> GenSelector { selector(keys: Self.podKeys, values: Self.values) }

    mutating func namespaceSelector(_ namespaces: [String]) -> GenSelector {
        if chance(0.25) {
            return GenSelector(matchLabels: ["kubernetes.io/metadata.name": pick(namespaces + ["ns-z"])])
        }
        return selector(keys: Self.namespaceKeys, values: Self.values)
    }

    mutating func policy(_ index: Int, namespaces: [String], blocks: inout [String]) -> GenPolicy {
        let types: [String]? = weighted([
            (0.35, nil), (0.1, []), (0.2, ["Ingress"]), (0.15, ["Egress"]), (0.1, ["Ingress", "Egress"]), (0.1, ["Egress", "Ingress"]),
        ])
        return GenPolicy(
            namespace: pick(namespaces), name: "np-\(index)",
            podSelector: chance(0.1) ? nil : podSelector(),
            policyTypes: types,
            ingress: rules(namespaces: namespaces, blocks: &blocks),
            egress: rules(namespaces: namespaces, blocks: &blocks))
    }

    mutating func rules(namespaces: [String], blocks: inout [String]) -> [GenRule]? {
        switch weighted([(0.25, 0), (0.1, 1), (0.65, 2)]) {
        case 0: return nil
        case 1: return []
        default:
            return (0..<int(1...3)).map { _ in
                GenRule(peers: list { $0.peer(namespaces: namespaces, blocks: &blocks) },
                        ports: list { $0.port() })
            }
        }
    }

    /// Absent, empty, or one to three elements.
    mutating func list<T>(_ element: (inout ClusterGenerator) -> T) -> [T]? {
        switch weighted([(0.3, 0), (0.1, 1), (0.6, 2)]) {
        case 0: return nil
        case 1: return []
        default: return (0..<int(1...3)).map { _ in element(&self) }
        }
    }

    mutating func peer(namespaces: [String], blocks: inout [String]) -> GenPeer {
        switch weighted([(0.25, 0), (0.2, 1), (0.2, 2), (0.35, 3)]) {
        case 0: return GenPeer(podSelector: podSelector())
        case 1: return GenPeer(namespaceSelector: namespaceSelector(namespaces))
        case 2: return GenPeer(podSelector: podSelector(), namespaceSelector: namespaceSelector(namespaces))
        default:
            let block = ipBlock()
            blocks.append(block.cidr)
            blocks += block.except ?? []
            return GenPeer(ipBlock: block)
        }
    }

    /// A cidr around a pool address (sometimes with host bits set) and excepts strictly inside it.
    mutating func ipBlock() -> (cidr: String, except: [String]?) {
        let isV6 = chance(0.4)
        let base = IPAddress(isV6 ? (chance(0.8) ? v6() : "2001:db8::\(int(1...9))") : (chance(0.8) ? v4() : "192.168.\(int(0...255)).\(int(0...255))"))!
        let width = isV6 ? 128 : 32
        let length = isV6 ? pick([0, 8, 16, 64, 96, 108, 112, 116, 120, 124, 126, 127, 128])
                        : pick([0, 1, 8, 16, 20, 23, 24, 26, 28, 30, 31, 32])
        let cidr = CIDR(address: base, prefixLength: length)
        let cidrText = chance(0.2) ? "\(base)/\(length)" : cidr.description
        guard length < width, chance(0.65) else { return (cidrText, chance(0.2) ? [] : nil) }
        var excepts: [String] = []
        for _ in 0..<int(1...3) {
            let exceptLength = int((length + 1)...min(width, length + pick([1, 2, 4, 8, 16])))
            let inside = randomAddress(in: cidr.range)
            excepts.append(CIDR(address: inside, prefixLength: exceptLength).description)
        }
        return (cidrText, excepts)
    }

    mutating func randomAddress(in range: AddressRange) -> IPAddress {
        switch (range.lower, range.upper) {
        case let (.v4(lower), .v4(upper)): return .v4(UInt32.random(in: lower...upper, using: &random))
        case let (.v6(lower), .v6(upper)):
            // Near either end, or anywhere: pool addresses sit near the start of their prefixes.
            let span = upper - lower
            let offset = weighted([(0.4, UInt128(UInt64.random(in: 0...UInt64(min(span, 4096)), using: &random))),
                                   (0.2, span - UInt128(UInt64.random(in: 0...UInt64(min(span, 4096)), using: &random))),
                                   (0.4, UInt128(random.next()) << 64 | UInt128(random.next()))])
            return .v6(lower + offset % (span == .max ? .max : span + 1))
        default: fatalError("mixed-family range")
        }
    }

    mutating func port() -> GenPort {
        let proto: String? = chance(0.35) ? nil : pick(Self.protocols)
        switch weighted([(0.25, 0), (0.45, 1), (0.3, 2)]) {
        case 0: return GenPort(proto: proto)
        case 1:
            let number = chance(0.7) ? pick(Self.commonPorts) : int(1...65535)
            let end: Int? = chance(0.35) ? min(65535, number + pick([0, 1, 10, 200, 70000])) : nil
            return GenPort(proto: proto, port: .number(number), endPort: end)
        default:
            return GenPort(proto: proto, port: .name(pick(Self.portNames + ["absent"])))
        }
    }
}
