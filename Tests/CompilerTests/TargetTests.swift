import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

@Suite("Targets, peers' lifecycle, stable and deterministic output")
struct TargetTests {
    static let isolateAll = Manifest.policy("isolate", spec: "podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {peer: \"yes\"}}}]}]")

    func ingressIsolated(_ ruleset: Ruleset, _ address: String) -> Bool {
        ruleset.dispatchChain("ingress", for: ip(address)) != nil
    }

    /// Addresses in any pod peer set.
    func peerAddresses(_ ruleset: Ruleset) -> Set<IPAddress> {
        var result: Set<IPAddress> = []
        for set in ruleset.peerAndPortSets where set.name.hasPrefix("pods_") {
            for element in set.elements { if case .address(let range)? = element.key.first { result.insert(range.lower) } }
        }
        return result
    }

    @Test("only pods on the node are targets")
    func onlyLocalPods() throws {
        let ruleset = compile(try cluster(
            Manifest.pod("here", ips: ["10.0.0.1"], node: "node-1"),
            Manifest.pod("there", ips: ["10.0.0.2"], node: "node-2"),
            Self.isolateAll))
        #expect(ingressIsolated(ruleset, "10.0.0.1"))
        #expect(!ingressIsolated(ruleset, "10.0.0.2"))
        #expect(!ruleset.allows("10.0.0.2", "10.0.0.1"))
        #expect(ruleset.allows("10.0.0.1", "10.0.0.2"), "node-2 enforces its own pods")
        let other = compile(try cluster(
            Manifest.pod("here", ips: ["10.0.0.1"], node: "node-1"),
            Manifest.pod("there", ips: ["10.0.0.2"], node: "node-2"),
            Self.isolateAll), node: "node-2")
        #expect(!ingressIsolated(other, "10.0.0.1") && ingressIsolated(other, "10.0.0.2"))
    }

    @Test("finished, hostNetwork and IP-less pods are neither targets nor peers")
    func unenforceablePods() throws {
        let peer = ["peer": "yes"]
        let ruleset = compile(try cluster(
            Manifest.pod("running", labels: peer, ips: ["10.0.0.1"]),
            Manifest.pod("pending", labels: peer, ips: ["10.0.0.2"], phase: "Pending"),
            Manifest.pod("succeeded", labels: peer, ips: ["10.0.0.3"], phase: "Succeeded"),
            Manifest.pod("failed", labels: peer, ips: ["10.0.0.4"], phase: "Failed"),
            Manifest.pod("host", labels: peer, ips: ["192.168.0.11"], hostNetwork: true),
            Manifest.pod("no-ip", labels: peer, ips: []),
            Self.isolateAll))
        #expect(ingressIsolated(ruleset, "10.0.0.1") && ingressIsolated(ruleset, "10.0.0.2"))
        for address in ["10.0.0.3", "10.0.0.4", "192.168.0.11"] {
            #expect(!ingressIsolated(ruleset, address), "\(address)")
            #expect(!ruleset.table.sets.flatMap(\.elements).contains { $0.key.first == .address(ip(address)) }, "\(address)")
        }
        #expect(peerAddresses(ruleset) == [ip("10.0.0.1"), ip("10.0.0.2")])
        #expect(ruleset.allows("10.0.0.2", "10.0.0.1"))
        #expect(!ruleset.allows("10.0.0.3", "10.0.0.1"))
        #expect(!ruleset.allows("192.168.0.11", "10.0.0.1"))
    }

    @Test("an IP reused by a newer pod belongs to the newer pod only")
    func reusedAddress() throws {
        func compiled(oldPhase: String) throws -> Ruleset {
            compile(try cluster(
                Manifest.pod("old", labels: ["peer": "yes", "gen": "old"], ips: ["10.0.0.5"], node: "node-1",
                             phase: oldPhase, created: "2024-01-01T00:00:00Z"),
                Manifest.pod("new", labels: ["gen": "new"], ips: ["10.0.0.5"], node: "node-1", created: "2024-02-01T00:00:00Z"),
                Manifest.pod("target", ips: ["10.0.0.1"]),
                Manifest.policy("only-target", spec: """
                    podSelector: {matchExpressions: [{key: gen, operator: DoesNotExist}]}
                    ingress: [{from: [{podSelector: {matchLabels: {peer: "yes"}}}]}]
                    """),
                Manifest.policy("old-gen", spec: "podSelector: {matchLabels: {gen: old}}\ningress: []")))
        }
        for phase in ["Running", "Succeeded"] {
            let ruleset = try compiled(oldPhase: phase)
            #expect(!peerAddresses(ruleset).contains(ip("10.0.0.5")), "old pod (\(phase)) lost its IP")
            #expect(!ruleset.allows("10.0.0.5", "10.0.0.1"), "\(phase)")
            #expect(!ingressIsolated(ruleset, "10.0.0.5"), "the new pod is not selected (\(phase))")
        }
        // The other way round: the newer pod is the peer and keeps the address.
        let swapped = compile(try cluster(
            Manifest.pod("old", labels: ["gen": "old"], ips: ["10.0.0.5"], created: "2024-01-01T00:00:00Z"),
            Manifest.pod("new", labels: ["peer": "yes"], ips: ["10.0.0.5"], node: "node-2", created: "2024-02-01T00:00:00Z"),
            Manifest.pod("target", ips: ["10.0.0.1"]),
            Manifest.policy("old-gen", spec: "podSelector: {matchLabels: {gen: old}}\ningress: []"),
            Self.isolateAll))
        #expect(peerAddresses(swapped).contains(ip("10.0.0.5")))
        #expect(swapped.allows("10.0.0.5", "10.0.0.1"))
        #expect(!ingressIsolated(swapped, "10.0.0.5"), "the old local pod lost the address to a pod on node-2")
    }

    @Test("a dual-stack pod is in the maps and sets of both families")
    func dualStack() throws {
        let ruleset = compile(try cluster(
            Manifest.pod("dual", labels: ["peer": "yes"], ips: ["10.0.0.1", "fd00::1"]),
            Manifest.pod("v6only", labels: ["peer": "yes"], ips: ["fd00::2"]),
            Manifest.pod("client", labels: ["peer": "yes"], ips: ["10.0.0.3", "fd00::3"], node: "node-2"),
            Self.isolateAll))
        let v4 = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.1")))
        let v6 = try #require(ruleset.dispatchChain("ingress", for: ip("fd00::1")))
        #expect(v4 == v6)
        #expect(ingressIsolated(ruleset, "fd00::2"))
        #expect(peerAddresses(ruleset) == Set(["10.0.0.1", "fd00::1", "fd00::2", "10.0.0.3", "fd00::3"].map(ip)))
        #expect(ruleset.allows("10.0.0.3", "10.0.0.1") && ruleset.allows("fd00::3", "fd00::1") && ruleset.allows("fd00::3", "fd00::2"))
        let maps = Dictionary(uniqueKeysWithValues: ruleset.table.sets.filter(\.isVerdictMap).map { ($0.name, $0) })
        #expect(maps["ingress_v4"]?.keyType == [.ipv4Address] && maps["ingress_v6"]?.keyType == [.ipv6Address])
        #expect(maps["ingress_v4"]?.elements.count == 1 && maps["ingress_v6"]?.elements.count == 2)
    }

    @Test("a policy that selects no local pod produces no chain and no sets")
    func noLocalTarget() throws {
        let ruleset = compile(try cluster(
            Manifest.pod("here", ips: ["10.0.0.1"]),
            Manifest.pod("there", labels: ["app": "db"], ips: ["10.0.0.2"], node: "node-2"),
            Manifest.policy("db", spec: "podSelector: {matchLabels: {app: db}}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]")))
        #expect(ruleset.policyChains.isEmpty)
        #expect(ruleset.peerAndPortSets.isEmpty)
        let mapSizes = ruleset.table.sets.filter(\.isVerdictMap).map(\.elements.count)
        #expect(mapSizes == [0, 0, 0, 0])
        #expect(ruleset.table.chains.count == 1, "only the forward hook")
    }

    @Test("pods selected by the same policies share one chain")
    func sharedChain() throws {
        let ruleset = compile(try cluster(
            Manifest.pod("a", labels: ["app": "web"], ips: ["10.0.0.1", "fd00::1"]),
            Manifest.pod("b", labels: ["app": "web"], ips: ["10.0.0.2", "fd00::2"]),
            Manifest.pod("c", labels: ["app": "db"], ips: ["10.0.0.3"]),
            Manifest.policy("all", spec: "podSelector: {}\ningress: [{ports: [{port: 80}]}]"),
            Manifest.policy("web", spec: "podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 443}]}]")))
        let a = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.1")))
        #expect(ruleset.dispatchChain("ingress", for: ip("10.0.0.2")) == a)
        #expect(ruleset.dispatchChain("ingress", for: ip("fd00::1")) == a)
        let c = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.3")))
        #expect(c.name != a.name)
        #expect(ruleset.policyChains.count == 2)
        #expect(ruleset.allows("10.9.9.9", "10.0.0.2", .tcp, 443) && !ruleset.allows("10.9.9.9", "10.0.0.3", .tcp, 443))
        // Every set and chain referenced exists, and every set is referenced.
        let referenced = ruleset.referencedSetNames
        #expect(referenced == Set(ruleset.table.sets.map(\.name)))
    }

    static let baseDocuments = [
        Manifest.namespace("shop", labels: ["team": "shop"]),
        Manifest.namespace("ops"),
        Manifest.pod("web", ns: "shop", labels: ["app": "web"], ips: ["10.0.0.1", "fd00::1"], ports: [("http", 8080, nil)]),
        Manifest.pod("db", ns: "shop", labels: ["app": "db"], ips: ["10.0.0.2"]),
        Manifest.pod("mon", ns: "ops", labels: ["app": "mon"], ips: ["10.0.1.1"], node: "node-2"),
        Manifest.policy("web", ns: "shop", spec: """
            podSelector: {matchLabels: {app: web}}
            ingress: [{from: [{namespaceSelector: {}}], ports: [{port: http}, {port: 9100, endPort: 9110}, {protocol: UDP}]}]
            egress: [{to: [{podSelector: {matchLabels: {app: db}}}, {ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/24]}}]}]
            """),
        Manifest.policy("db", ns: "shop", spec: """
            podSelector: {matchLabels: {app: db}}
            ingress: [{from: [{podSelector: {matchLabels: {app: web}}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}]
            """),
    ]

    @Test("a single-stack pod's chain holds only its family's rules, and the table only the sets they use")
    func singleStackChain() throws {
        let policy = Manifest.policy("web", spec: """
            podSelector: {matchLabels: {app: web}}
            ingress: [{from: [{podSelector: {matchLabels: {app: client}}}, {ipBlock: {cidr: fd00:9::/64}}]}]
            """)
        let clients = [Manifest.pod("client", labels: ["app": "client"], ips: ["10.0.9.1", "fd00::9"], node: "node-2")]
        let dual = Manifest.pod("dual", labels: ["app": "web"], ips: ["10.0.0.1", "fd00::1"])
        let v4only = Manifest.pod("v4only", labels: ["app": "web"], ips: ["10.0.0.2"])
        let v6only = Manifest.pod("v6only", labels: ["app": "web"], ips: ["fd00::3"])
        let ruleset = compile(try cluster(clients + [dual, v4only, v6only, policy]))
        let dualChain = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.1")))
        let v4Chain = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.2")))
        let v6Chain = try #require(ruleset.dispatchChain("ingress", for: ip("fd00::3")))
        #expect(v4Chain.name == dualChain.name + "_v4" && v6Chain.name == dualChain.name + "_v6")
        #expect(Set(dualChain.allowRules.map(\.addressFamily)) == [.v4, .v6])
        #expect(v4Chain.allowRules.count == 1 && v4Chain.allowRules.allSatisfy { $0.addressFamily == .v4 } && v4Chain.endsInDeny)
        #expect(v6Chain.allowRules.count == 2 && v6Chain.allowRules.allSatisfy { $0.addressFamily == .v6 } && v6Chain.endsInDeny)
        // Verdicts are those of one chain for all.
        #expect(ruleset.allows("10.0.9.1", "10.0.0.2") && !ruleset.allows("10.0.9.2", "10.0.0.2"))
        #expect(ruleset.allows("fd00::9", "fd00::3") && ruleset.allows("fd00:9::5", "fd00::3") && !ruleset.allows("fd00:8::5", "fd00::3"))

        // With IPv4-only targets, no IPv6 rule and no IPv6 peer or CIDR set is left in the table.
        let v4Only = compile(try cluster(clients + [v4only, policy]))
        #expect(v4Only.policyChains.count == 1)
        #expect(v4Only.policyChains.flatMap(\.rules).allSatisfy { $0.addressFamily != .v6 })
        #expect(v4Only.peerAndPortSets.allSatisfy { $0.name.hasSuffix("_v4") }, "\(v4Only.peerAndPortSets.map(\.name))")
        #expect(v4Only.allows("10.0.9.1", "10.0.0.2") && !v4Only.allows("10.0.9.2", "10.0.0.2"))
    }

    @Test("chain and set names do not change when unrelated pods and policies are added")
    func stableNames() throws {
        let before = compile(try cluster(Self.baseDocuments))
        let after = compile(try cluster(Self.baseDocuments + [
            Manifest.namespace("other"),
            Manifest.pod("x", ns: "other", labels: ["app": "x"], ips: ["10.0.7.1"], ports: [("grpc", 9000, nil)]),
            Manifest.pod("y", ns: "ops", labels: ["app": "y"], ips: ["10.0.7.2"], node: "node-2"),
            Manifest.policy("x", ns: "other", spec: "podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {app: x}}}], ports: [{port: grpc}]}]"),
            Manifest.policy("remote", ns: "ops", spec: "podSelector: {}\negress: []\npolicyTypes: [Egress]"),
        ]))
        for address in ["10.0.0.1", "fd00::1", "10.0.0.2"] {
            for direction in ["ingress", "egress"] {
                #expect(before.dispatchChain(direction, for: ip(address))?.name == after.dispatchChain(direction, for: ip(address))?.name)
                // The chain's rules are the same, referring to the same set names.
                #expect(before.dispatchChain(direction, for: ip(address)) == after.dispatchChain(direction, for: ip(address)))
            }
        }
        #expect(Set(before.table.sets.map(\.name)).isSubset(of: Set(after.table.sets.map(\.name))))
        #expect(Set(before.table.chains.map(\.name)).isSubset(of: Set(after.table.chains.map(\.name))))
    }

    @Test("the same cluster given in any order renders byte for byte the same")
    func deterministicOutput() throws {
        let state = try cluster(Self.baseDocuments)
        let expected = compile(state).text
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var shuffled = state
            shuffled.namespaces.shuffle(using: &generator)
            shuffled.pods.shuffle(using: &generator)
            shuffled.policies.shuffle(using: &generator)
            #expect(compile(shuffled).text == expected)
            // Through the manifest reader too.
            #expect(compile(try cluster(Self.baseDocuments.shuffled(using: &generator))).text == expected)
        }
    }

    @Test("the table comment stays within nftables' 128-byte limit for long node names")
    func longNodeName() throws {
        let node = String(repeating: "n", count: 240) + ".example.com"
        let ruleset = compile(try cluster(Manifest.pod("a", ips: ["10.0.0.1"], node: node), Self.isolateAll), node: node)
        #expect(ingressIsolated(ruleset, "10.0.0.1"))
        #expect((ruleset.table.comment?.utf8.count ?? 0) <= 127)
        for chain in ruleset.table.chains {
            #expect((chain.comment?.utf8.count ?? 0) <= 127)
            for rule in chain.rules { #expect((rule.comment?.utf8.count ?? 0) <= 127) }
        }
        for set in ruleset.table.sets { #expect((set.comment?.utf8.count ?? 0) <= 127) }
    }
}
