import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

/// One local target (alpha/db) and clients in three namespaces; each test gives db one ingress rule
/// and checks which clients it admits.
@Suite("Peers")
struct PeerTests {
    static let clients: [(name: String, ns: String, labels: [String: String], ip: String)] = [
        ("api-a", "alpha", ["app": "api"], "10.0.1.2"),
        ("web-a", "alpha", ["app": "web"], "10.0.1.3"),
        ("api-b", "beta", ["app": "api"], "10.0.2.2"),
        ("web-b", "beta", ["app": "web"], "10.0.2.3"),
        ("api-g", "gamma", ["app": "api"], "10.0.3.2"),
    ]
    static let db = "10.0.1.1", external = "192.168.5.5"

    static func documents(rule: String) -> [String] {
        documents(spec: "podSelector: {matchLabels: {app: db}}\ningress:\n" + rule)
    }

    static func documents(spec: String) -> [String] {
        [
            Manifest.namespace("alpha", labels: ["team": "a"]),
            Manifest.namespace("beta", labels: ["team": "b"]),
            Manifest.namespace("gamma", labels: ["team": "a"]),
            Manifest.pod("db", ns: "alpha", labels: ["app": "db"], ips: [db]),
        ] + clients.map { Manifest.pod($0.name, ns: $0.ns, labels: $0.labels, ips: [$0.ip], node: "node-2") }
            + [Manifest.policy("p", ns: "alpha", spec: spec)]
    }

    func compiled(_ rule: String) throws -> Ruleset { compile(try cluster(Self.documents(rule: rule))) }

    /// Clients (and "external") that may open a connection to db on TCP 5432.
    func admitted(_ rule: String) throws -> Set<String> {
        let ruleset = try compiled(rule)
        var names = Set(Self.clients.filter { ruleset.allows($0.ip, Self.db, .tcp, 5432) }.map(\.name))
        if ruleset.allows(Self.external, Self.db, .tcp, 5432) { names.insert("external") }
        return names
    }

    func dbChain(_ ruleset: Ruleset) throws -> Chain {
        try #require(ruleset.dispatchChain("ingress", for: ip(Self.db)))
    }

    @Test("podSelector alone: pods of the policy's own namespace")
    func podSelectorOnly() throws {
        #expect(try admitted("- from: [{podSelector: {matchLabels: {app: api}}}]") == ["api-a"])
        #expect(try admitted("- from: [{podSelector: {}}]") == ["api-a", "web-a"])
    }

    @Test("namespaceSelector alone: every pod of the selected namespaces")
    func namespaceSelectorOnly() throws {
        #expect(try admitted("- from: [{namespaceSelector: {matchLabels: {team: a}}}]") == ["api-a", "web-a", "api-g"])
        #expect(try admitted("- from: [{namespaceSelector: {matchLabels: {team: c}}}]") == [])
    }

    @Test("namespaceSelector {}: pods of all namespaces, nothing outside the cluster")
    func allNamespaces() throws {
        #expect(try admitted("- from: [{namespaceSelector: {}}]") == Set(Self.clients.map(\.name)))
        #expect(try admitted("- from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}]") == ["web-a", "web-b"])
    }

    @Test("podSelector and namespaceSelector in one peer: the intersection")
    func bothInOnePeer() throws {
        #expect(try admitted("- from: [{namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {app: api}}}]")
                == ["api-a", "api-g"])
        // As two peers they are a union instead.
        #expect(try admitted("- from: [{namespaceSelector: {matchLabels: {team: b}}}, {podSelector: {matchLabels: {app: api}}}]")
                == ["api-a", "api-b", "web-b"])
    }

    @Test("a rule's ipBlocks of one family share one interval set: one nftables rule however many blocks")
    func ipBlocksShareOneSet() throws {
        let rule = """
            - from: [{ipBlock: {cidr: 10.0.2.0/24, except: [10.0.2.3/32]}}, {podSelector: {matchLabels: {app: web}}},
                     {ipBlock: {cidr: 10.0.3.0/25}}, {ipBlock: {cidr: 10.0.2.0/25}}, {ipBlock: {cidr: 192.168.5.0/24}}]
            """
        #expect(try admitted(rule) == ["api-b", "web-b", "api-g", "web-a", "external"])
        let ruleset = try compiled(rule)
        let chain = try dbChain(ruleset)
        // The pod peer's set and one set of the four blocks; no IPv6 rule, as the db pods are IPv4 only.
        #expect(chain.allowRules.count == 2)
        let cidrSets = Set(chain.allowRules.flatMap(\.setNames).filter { $0.hasPrefix("cidr_") })
        let set = try #require(cidrSets.count == 1 ? ruleset.set(named: cidrSets.first!) : nil)
        let range = { (lower: String, upper: String) in SetKey(.address(AddressRange(lower: ip(lower), upper: ip(upper)))) }
        // 10.0.2.0/25 fills the except of the first block back in; 10.0.3.0/25 touches it.
        #expect(set.elements.sorted().map(\.key) == [range("10.0.2.0", "10.0.3.127"), range("192.168.5.0", "192.168.5.255")])
        #expect(set.isInterval && set.keyType == [.ipv4Address])
        #expect(set.comment == "10.0.2.0/24 except 10.0.2.3/32; 10.0.2.0/25; 10.0.3.0/25; 192.168.5.0/24")
        // A rule with one of those blocks alone keeps the set that block has everywhere.
        let alone = try compiled("- from: [{ipBlock: {cidr: 10.0.3.0/25}}]")
        let own = try #require(try dbChain(alone).allowRules.first?.setNames.first)
        #expect(own != set.name && alone.set(named: own)?.comment == "10.0.3.0/25")
    }

    @Test("rules and policies add up")
    func unionOfRules() throws {
        #expect(try admitted("""
            - from: [{podSelector: {matchLabels: {app: web}}}]
            - from: [{ipBlock: {cidr: 10.0.3.0/24}}]
            """) == ["web-a", "api-g"])
    }

    @Test("ipBlock with except: the set holds the merged ranges")
    func ipBlockExcept() throws {
        let rule = "- from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24, 10.0.3.0/24, 10.0.2.128/25]}}]"
        #expect(try admitted(rule) == ["api-a", "web-a"])
        let ruleset = try compiled(rule)
        let chain = try dbChain(ruleset)
        #expect(chain.allowRules.count == 1, "an IPv4 block gives no IPv6 rule")
        let setName = try #require(chain.allowRules.first?.setNames.first)
        let set = try #require(ruleset.set(named: setName))
        #expect(set.isInterval && set.keyType == [.ipv4Address])
        let range = { (lower: String, upper: String) in KeyPart.address(AddressRange(lower: ip(lower), upper: ip(upper))) }
        #expect(set.elements.sorted().map(\.key) == [[range("10.0.0.0", "10.0.1.255")], [range("10.0.4.0", "10.0.255.255")]])
        #expect(chain.allowRules.first?.matches == [.inSet(fields: [.sourceAddress(.v4)], set: setName)])
    }

    @Test("ipBlocks of both families, with excepts at the edges of /0")
    func ipBlockBothFamilies() throws {
        let state = try cluster(
            Manifest.pod("db", labels: ["app": "db"], ips: ["10.0.0.1", "fd00::1"]),
            Manifest.policy("p", spec: """
                podSelector: {}
                ingress:
                - from:
                  - ipBlock: {cidr: 0.0.0.0/0, except: [0.0.0.0/8, 255.255.255.255/32]}
                  - ipBlock: {cidr: '::/0', except: ['fd00::/8', '::/128']}
                """))
        let ruleset = compile(state)
        #expect(ruleset.allows("1.0.0.0", "10.0.0.1"))
        #expect(ruleset.allows("255.255.255.254", "10.0.0.1"))
        #expect(!ruleset.allows("0.255.255.255", "10.0.0.1"))
        #expect(!ruleset.allows("255.255.255.255", "10.0.0.1"))
        #expect(ruleset.allows("2001:db8::1", "fd00::1"))
        #expect(ruleset.allows("::1", "fd00::1"))
        #expect(!ruleset.allows("fd00::2", "fd00::1"))
        #expect(!ruleset.allows("::", "fd00::1"))
        let cidrSets = ruleset.peerAndPortSets.filter { $0.name.hasPrefix("cidr_") }
        #expect(cidrSets.count == 2)
        for set in cidrSets { #expect(set.isInterval) }
    }

    @Test("absent `from` and `from: []` admit every source and match no address")
    func allPeers() throws {
        for rule in ["- ports: [{port: 5432}]", "- from: []\n  ports: [{port: 5432}]"] {
            #expect(try admitted(rule) == Set(Self.clients.map(\.name) + ["external"]), "\(rule)")
            let chain = try dbChain(try compiled(rule))
            #expect(chain.allowRules.map(\.matches) == [[.l4Protocol(.tcp), .destinationPort(5432...5432)]], "\(rule)")
        }
    }

    @Test("absent `ports` and `ports: []` admit every port and protocol")
    func allPorts() throws {
        for rule in ["- from: [{podSelector: {matchLabels: {app: api}}}]", "- from: [{podSelector: {matchLabels: {app: api}}}]\n  ports: []"] {
            let ruleset = try compiled(rule)
            for (proto, port) in [(L4Protocol.tcp, UInt16(1)), (.udp, 53), (.sctp, 65535)] {
                #expect(ruleset.allows("10.0.1.2", Self.db, proto, port), "\(rule)")
            }
            #expect(!ruleset.allows("10.0.1.3", Self.db))
            for rule in try dbChain(ruleset).allowRules {
                #expect(!rule.matches.contains { if case .l4Protocol = $0 { return true } else { return false } })
                #expect(!rule.matches.contains { if case .destinationPort = $0 { return true } else { return false } })
            }
        }
    }

    @Test("a rule with neither peers nor ports admits everything, with one bare rule")
    func emptyRule() throws {
        let chain = try dbChain(try compiled("- {}"))
        #expect(chain.allowRules.map(\.matches) == [[]])
        #expect(chain.allowRules.first?.action == .verdict(.return))
        #expect(try admitted("- {}") == Set(Self.clients.map(\.name) + ["external"]))
    }

    @Test("`ingress: []` denies all ingress: the chain holds only the deny rule")
    func emptyIngress() throws {
        let ruleset = compile(try cluster(Self.documents(spec: "podSelector: {matchLabels: {app: db}}\ningress: []")))
        let chain = try dbChain(ruleset)
        #expect(chain.rules.count == 1)
        #expect(chain.endsInDeny)
        #expect(chain.rules.first?.namedCounter == "deny_\(chain.name)")
        #expect(ruleset.dispatchChain("egress", for: ip(Self.db)) == nil)
        for client in Self.clients { #expect(!ruleset.allows(client.ip, Self.db)) }
    }

    @Test("the reject deny action")
    func rejectAction() throws {
        let state = try cluster(Self.documents(rule: "- from: [{podSelector: {matchLabels: {app: api}}}]"))
        let ruleset = compile(state, options: CompilerOptions(denyAction: .reject))
        let chain = try dbChain(ruleset)
        #expect(chain.rules.last?.action == .reject)
        #expect(!ruleset.allows("10.0.1.3", Self.db))
    }

    @Test("egress peers: namespaceSelector and an IPv6 ipBlock")
    func egressPeers() throws {
        let state = try cluster(
            Manifest.namespace("alpha", labels: ["team": "a"]),
            Manifest.namespace("beta", labels: ["team": "b"]),
            Manifest.pod("client", ns: "alpha", ips: ["10.0.0.1", "fd00::1"]),
            Manifest.pod("server-b", ns: "beta", ips: ["10.0.2.1", "fd00::2:1"], node: "node-2"),
            Manifest.pod("server-a", ns: "alpha", ips: ["10.0.1.1", "fd00::1:1"], node: "node-2"),
            Manifest.policy("out", ns: "alpha", spec: """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - to: [{namespaceSelector: {matchLabels: {team: b}}}]
                - to: [{ipBlock: {cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}}]
                  ports: [{port: 443}]
                """))
        let ruleset = compile(state)
        #expect(ruleset.allows("10.0.0.1", "10.0.2.1"))
        #expect(ruleset.allows("fd00::1", "fd00::2:1"))
        #expect(!ruleset.allows("10.0.0.1", "10.0.1.1"))
        #expect(!ruleset.allows("fd00::1", "fd00::1:1"))
        #expect(ruleset.allows("fd00::1", "2001:db8::1", .tcp, 443))
        #expect(!ruleset.allows("fd00::1", "2001:db8::1", .tcp, 80))
        #expect(!ruleset.allows("fd00::1", "2001:db8:1::1", .tcp, 443))
        #expect(!ruleset.allows("10.0.0.1", "192.168.0.1", .tcp, 443))
        // Ingress of the client is not isolated.
        #expect(ruleset.allows("10.0.1.1", "10.0.0.1"))
    }
}
