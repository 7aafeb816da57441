import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Ruleset
import Testing

/// Random clusters, NetworkPolicies, ClusterNetworkPolicies and Nodes, compiled for a random node. Each must
/// - validate (the generator only writes valid objects),
/// - refer only to sets and chains that exist, with elements of the declared key types,
/// - give the same text when compiled again from the same objects in another order,
/// - decide sampled connections exactly as the oracle of NetworkPolicy and ClusterNetworkPolicy tiers
///   does (the typed model is run by RulesetEvaluator), on the forward hook and, for local pods'
///   connections to their own node, on the input hook, and
/// - load with `nft -c -f` inside a scratch network namespace (all files in one `ip netns exec`).
///
/// PROPERTY_SEED=<n or 0xhex> replays from a seed (iteration i uses seed + i); PROPERTY_ITERATIONS
/// changes the count. A failing iteration prints the seed that replays it alone.
@Suite("Random clusters compile to loadable, correct, deterministic rulesets")
struct PropertyTests {
    static let iterations = ProcessInfo.processInfo.environment["PROPERTY_ITERATIONS"].flatMap { Int($0) } ?? 200
    static let packetsPerCluster = 150
    static let packetsToOwnNode = 30

    static func baseSeed() -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["PROPERTY_SEED"] else { return UInt64.random(in: 0...UInt64.max) }
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) ?? 0 }
        return UInt64(text) ?? 0
    }

    static func hex(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16) }

    @Test("random clusters: valid, consistent, deterministic, oracle-equivalent, loadable by nft")
    func randomClusters() throws {
        let base = Self.baseSeed()
        print("PropertyTests: base seed \(Self.hex(base)), \(Self.iterations) iterations")
        let directory = NSTemporaryDirectory() + "property-tests-\(getpid())-\(base)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var files: [(file: String, seed: UInt64)] = []
        var stats = (pods: 0, policies: 0, chains: 0, sets: 0, elements: 0, packets: 0, accepted: 0)
        var failingSeeds: Set<UInt64> = []
        for iteration in 0..<Self.iterations {
            let seed = base &+ UInt64(iteration)
            let replay = "seed \(Self.hex(seed)) (replay: PROPERTY_SEED=\(Self.hex(seed)) PROPERTY_ITERATIONS=1)"
            var generator = ClusterGenerator(seed: seed)
            let generated = generator.cluster()
            let state: ClusterState
            do {
                state = try generated.validated()
            } catch {
                Issue.record("\(replay): a generated object was rejected: \(error)")
                failingSeeds.insert(seed)
                continue
            }
            let options = CompilerOptions(denyAction: generator.chance(0.5) ? .drop : .reject,
                                          nodeEgress: generator.chance(0.8) ? .allow : .policy)
            let ruleset = PolicyCompiler.compile(state, node: generated.node, options: options)
            let text = NftTextRenderer.render(ruleset)

            let problems = Self.structuralProblems(ruleset)
            if !problems.isEmpty {
                Issue.record("\(replay): inconsistent ruleset:\n\(problems.prefix(5).joined(separator: "\n"))")
                failingSeeds.insert(seed)
                continue
            }

            // Determinism: the same objects in another order.
            var shuffled = state
            shuffled.namespaces.shuffle(using: &generator.random)
            shuffled.pods.shuffle(using: &generator.random)
            shuffled.policies.shuffle(using: &generator.random)
            shuffled.clusterPolicies.shuffle(using: &generator.random)
            shuffled.nodes.shuffle(using: &generator.random)
            let again = NftTextRenderer.render(PolicyCompiler.compile(shuffled, node: generated.node, options: options))
            if again != text {
                Issue.record("\(replay): compiling the same cluster in another order changed the text:\n\(Self.firstDifference(text, again))")
                failingSeeds.insert(seed)
            }

            // Semantics: sampled connections against the oracle.
            let oracle = Oracle(generated)
            let evaluator = RulesetEvaluator(ruleset)
            var mismatches: [String] = []
            let forward = Self.packets(for: generated, using: &generator).map { ($0, BaseChainHook.Hook.forward) }
            let input = Self.packetsToOwnNode(for: generated, using: &generator).map { ($0, BaseChainHook.Hook.input) }
            for (packet, hook) in forward + input {
                let expected = oracle.allows(packet, hook: hook, nodeEgress: options.nodeEgress)
                let actual = evaluator.evaluate(packet, hook: hook) == .accept
                stats.packets += 1
                if actual { stats.accepted += 1 }
                if expected != actual {
                    mismatches.append("\(packet) (\(hook)): oracle \(expected ? "allows" : "denies"), ruleset \(actual ? "allows" : "denies")")
                }
            }
            if !mismatches.isEmpty {
                Issue.record("""
                    \(replay): \(mismatches.count) connections decided differently from the oracle (node \(generated.node)):
                    \(mismatches.prefix(5).joined(separator: "\n"))
                    """)
                failingSeeds.insert(seed)
            }

            stats.pods += state.pods.count
            stats.policies += state.policies.count + state.clusterPolicies.count
            stats.chains += ruleset.table.chains.count
            stats.sets += ruleset.table.sets.count
            stats.elements += ruleset.table.sets.reduce(0) { $0 + $1.elements.count }
            let file = (directory as NSString).appendingPathComponent("\(iteration)-\(Self.hex(seed)).nft")
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            files.append((file, seed))
        }
        print("PropertyTests: \(stats.pods) pods, \(stats.policies) policies -> \(stats.chains) chains, \(stats.sets) sets, "
              + "\(stats.elements) elements; \(stats.packets) connections checked, \(stats.accepted) allowed")
        // Both outcomes must be common, or the oracle comparison proves little (a replay of one seed may be one-sided).
        if Self.iterations >= 50 {
            #expect(stats.accepted > stats.packets / 20 && stats.accepted < stats.packets * 19 / 20, "\(stats)")
        }

        // nft -c on every ruleset, in one scratch namespace.
        let namespace = try ScratchNetns.create(tag: "prop")
        defer { namespace.remove() }
        let failures = try namespace.check(files: files.map(\.file))
        for (file, seed) in files where failures[file] != nil {
            let output = failures[file]!.split(separator: "\n").prefix(12).joined(separator: "\n")
            Issue.record("seed \(Self.hex(seed)) (replay: PROPERTY_SEED=\(Self.hex(seed)) PROPERTY_ITERATIONS=1): nft -c -f rejected the ruleset:\n\(output)")
            failingSeeds.insert(seed)
        }
        if !failingSeeds.isEmpty {
            print("PropertyTests: failing seeds: \(failingSeeds.sorted().map(Self.hex).joined(separator: " "))")
        }
    }

    // MARK: - Checks

    /// References that do not resolve, and elements that do not fit their set.
    static func structuralProblems(_ ruleset: Ruleset) -> [String] {
        var problems: [String] = []
        let sets = Dictionary(ruleset.table.sets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let chains = Set(ruleset.table.chains.map(\.name))
        if sets.count != ruleset.table.sets.count { problems.append("duplicate set names") }
        if chains.count != ruleset.table.chains.count { problems.append("duplicate chain names") }
        func type(of field: Field) -> DataType { field.dataType }
        for chain in ruleset.table.chains {
            for rule in chain.rules {
                var lookups: [([Field], String)] = rule.matches.compactMap {
                    if case .inSet(let fields, let set) = $0 { return (fields, set) } else { return nil }
                }
                if case .verdictMap(let fields, let map) = rule.action { lookups.append((fields, map)) }
                for (fields, name) in lookups {
                    guard let set = sets[name] else { problems.append("\(chain.name) refers to missing set \(name)"); continue }
                    if set.keyType != fields.map(type) { problems.append("\(chain.name) looks up \(fields) in \(name) of type \(set.keyType)") }
                }
                if case .verdict(.jump(let target)) = rule.action, !chains.contains(target) { problems.append("jump to missing \(target)") }
            }
        }
        for set in ruleset.table.sets {
            for element in set.elements {
                guard element.key.count == set.keyType.count else { problems.append("\(set.name): element arity \(element)"); continue }
                for (part, type) in zip(element.key, set.keyType) {
                    switch (part, type) {
                    case (.address(let range), .ipv4Address) where range.family == .v4: break
                    case (.address(let range), .ipv6Address) where range.family == .v6: break
                    case (.l4Protocol, .inetProtocol): break
                    case (.ports, .inetService): break
                    default: problems.append("\(set.name): \(part) in a field of type \(type)")
                    }
                    if !set.isInterval, case .address(let range) = part, range.lower != range.upper { problems.append("\(set.name): range without interval flag") }
                }
                if set.isVerdictMap != (element.verdict != nil) { problems.append("\(set.name): verdict mismatch in \(element)") }
                if case .jump(let target)? = element.verdict, !chains.contains(target) { problems.append("\(set.name) jumps to missing \(target)") }
            }
        }
        problems += ruleset.unreachableChains.map { "\($0) is reached from no base chain" }
        return problems
    }

    /// Connections worth asking about: between pod addresses (owned or not), node and outside addresses,
    /// and addresses at the edges of every ipBlock and except, on ports the policies and pods name.
    static func packets(for cluster: GenCluster, using generator: inout ClusterGenerator) -> [Packet] {
        var addresses = Set(["8.8.8.8", "192.168.0.1", "10.0.0.250", "2001:db8::1", "fd00::ff:1"].compactMap { IPAddress($0) })
        for node in cluster.nodes { for text in node.addresses { addresses.insert(IPAddress(text)!) } }
        for pod in cluster.pods { for text in pod.ips { addresses.insert(IPAddress(text)!) } }
        for text in cluster.blocks {
            let range = CIDR(text)!.range
            for address in [range.lower, range.upper, range.lower.predecessor, range.upper.successor, generator.randomAddress(in: range)] {
                if let address { addresses.insert(address) }
            }
        }
        var ports: Set<Int> = Set(ClusterGenerator.commonPorts + [1, 65535, 12345])
        for policy in cluster.clusterPolicies {
            for rule in policy.ingress + policy.egress {
                for case .port(_, let start, let end) in rule.protocols ?? [] { ports.formUnion([start, start - 1, end ?? start, (end ?? start) + 1]) }
            }
        }
        for policy in cluster.policies {
            for rule in (policy.ingress ?? []) + (policy.egress ?? []) {
                for port in rule.ports ?? [] {
                    if case .number(let number)? = port.port {
                        ports.formUnion([number, number - 1, number + 1])
                        if let end = port.endPort { ports.formUnion([end, end + 1]) }
                    }
                }
            }
        }
        for pod in cluster.pods { for port in pod.containers.joined() + pod.initContainers.flatMap(\.ports) { ports.insert(port.number) } }
        let portList = ports.filter { (1...65535).contains($0) }.sorted()
        let byFamily = Dictionary(grouping: addresses.sorted(), by: \.family)

        // Pods of the node being compiled for are where policies act: most connections start or end there.
        let local = Dictionary(grouping: cluster.pods.filter { $0.node == cluster.node && Oracle.takesPart($0) }
            .flatMap(\.ips).compactMap { IPAddress($0) }, by: \.family)
        var packets: [Packet] = []
        for _ in 0..<packetsPerCluster {
            let family: IPFamily = generator.chance(0.6) ? .v4 : .v6
            guard let pool = byFamily[family], pool.count >= 2 else { continue }
            let mine = local[family] ?? []
            var source = generator.pick(pool), destination = generator.pick(pool)
            switch (mine.isEmpty, generator.int(0...3)) {
            case (false, 0), (false, 1): destination = generator.pick(mine)
            case (false, 2): source = generator.pick(mine)
            default: break
            }
            guard source != destination else { continue }
            packets.append(Packet(source, destination, generator.pick(L4Protocol.allCases), UInt16(generator.pick(portList))))
        }
        return packets
    }

    /// New connections from the node's pods to the node's own addresses (the input hook).
    static func packetsToOwnNode(for cluster: GenCluster, using generator: inout ClusterGenerator) -> [Packet] {
        let nodeAddresses = (cluster.nodes.first { $0.name == cluster.node }?.addresses ?? []).compactMap { IPAddress($0) }
        let local = cluster.pods.filter { $0.node == cluster.node && Oracle.takesPart($0) }.flatMap(\.ips).compactMap { IPAddress($0) }
        var packets: [Packet] = []
        for _ in 0..<packetsToOwnNode {
            guard !local.isEmpty else { break }
            let source = generator.pick(local)
            guard let destination = nodeAddresses.filter({ $0.family == source.family }).first else { continue }
            let port = generator.chance(0.5) ? generator.pick(ClusterGenerator.commonPorts) : generator.int(1...65535)
            packets.append(Packet(source, destination, generator.pick(L4Protocol.allCases), UInt16(port)))
        }
        return packets
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\n", omittingEmptySubsequences: false), right = b.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? String(left[index]) : "<end>", r = index < right.count ? String(right[index]) : "<end>"
            if l != r { return "line \(index + 1):\n- \(l)\n+ \(r)" }
        }
        return "(no difference)"
    }
}
