import ClusterModel
import Compiler
import IPAddressing
import Ruleset
import Testing

@Suite("Ports")
struct PortTests {
    static let target = "10.0.0.1", client = "10.0.9.9"

    /// A local target isolated by a policy whose one ingress rule has `ports`.
    func compiled(ports: String) throws -> Ruleset {
        compile(try cluster(
            Manifest.pod("target", labels: ["app": "db"], ips: [Self.target, "fd00::1"]),
            Manifest.policy("p", spec: "podSelector: {}\ningress:\n- ports: \(ports)")))
    }

    func rule(_ ruleset: Ruleset) throws -> [Rule] {
        try #require(ruleset.dispatchChain("ingress", for: ip(Self.target))).allowRules
    }

    @Test("a numeric port, TCP by default")
    func numeric() throws {
        let ruleset = try compiled(ports: "[{port: 5432}]")
        #expect(ruleset.allows(Self.client, Self.target, .tcp, 5432))
        #expect(!ruleset.allows(Self.client, Self.target, .tcp, 5433))
        #expect(!ruleset.allows(Self.client, Self.target, .udp, 5432))
        #expect(!ruleset.allows(Self.client, Self.target, .sctp, 5432))
        #expect(try rule(ruleset).map(\.matches) == [[.l4Protocol(.tcp), .destinationPort(5432...5432)]])
    }

    @Test("port with endPort is an inclusive range")
    func endPort() throws {
        let ruleset = try compiled(ports: "[{protocol: UDP, port: 8000, endPort: 8010}]")
        for port: UInt16 in [8000, 8005, 8010] { #expect(ruleset.allows(Self.client, Self.target, .udp, port)) }
        for port: UInt16 in [7999, 8011] { #expect(!ruleset.allows(Self.client, Self.target, .udp, port)) }
        #expect(!ruleset.allows(Self.client, Self.target, .tcp, 8005))
        #expect(try rule(ruleset).map(\.matches) == [[.l4Protocol(.udp), .destinationPort(8000...8010)]])
    }

    @Test("a protocol without port admits every port of that protocol only")
    func protocolOnly() throws {
        let ruleset = try compiled(ports: "[{protocol: SCTP}]")
        for port: UInt16 in [1, 80, 65535] { #expect(ruleset.allows(Self.client, Self.target, .sctp, port)) }
        #expect(!ruleset.allows(Self.client, Self.target, .tcp, 80))
        #expect(!ruleset.allows(Self.client, Self.target, .udp, 80))
        #expect(try rule(ruleset).map(\.matches) == [[.l4Protocol(.sctp)]])
    }

    @Test("several entries become one protocol-and-port set")
    func severalEntries() throws {
        let ruleset = try compiled(ports: "[{port: 80}, {protocol: UDP, port: 53}, {protocol: SCTP, port: 9000, endPort: 9010}, {protocol: TCP, port: 443}]")
        let rules = try rule(ruleset)
        #expect(rules.count == 1)
        guard case .inSet(let fields, let name)? = rules.first?.matches.first, rules.first?.matches.count == 1 else {
            Issue.record("expected one set look-up, got \(rules)")
            return
        }
        #expect(fields == [.l4Protocol, .destinationPort])
        let set = try #require(ruleset.set(named: name))
        #expect(set.isInterval && set.keyType == [.inetProtocol, .inetService])
        #expect(Set(set.elements.map(\.key)) == [
            [.l4Protocol(.tcp), .ports(80...80)], [.l4Protocol(.tcp), .ports(443...443)],
            [.l4Protocol(.udp), .ports(53...53)], [.l4Protocol(.sctp), .ports(9000...9010)],
        ])
        #expect(ruleset.allows(Self.client, Self.target, .tcp, 443))
        #expect(ruleset.allows(Self.client, Self.target, .udp, 53))
        #expect(ruleset.allows(Self.client, Self.target, .sctp, 9010))
        #expect(!ruleset.allows(Self.client, Self.target, .tcp, 53))
        #expect(!ruleset.allows(Self.client, Self.target, .udp, 80))
        // The same list written in another order is the same set.
        let reordered = try compiled(ports: "[{protocol: TCP, port: 443}, {protocol: SCTP, port: 9000, endPort: 9010}, {port: 80}, {protocol: UDP, port: 53}]")
        #expect(try rule(reordered) == rules)
    }

    @Test("overlapping entries give an interval set without overlapping elements", arguments: [
        "[{port: 80, endPort: 90}, {port: 85, endPort: 95}]",
        "[{protocol: TCP}, {port: 80}]",
        "[{port: 80}, {port: 80}, {protocol: UDP, port: 53}]",
        "[{port: 1, endPort: 100}, {port: 50}, {port: 101}, {protocol: UDP}]",
    ])
    func overlappingEntries(ports: String) throws {
        let ruleset = try compiled(ports: ports)
        for set in ruleset.peerAndPortSets where set.isInterval {
            let keys = set.elements.map(\.key)
            for (i, a) in keys.enumerated() {
                for b in keys[(i + 1)...] where a.first == b.first {
                    guard case .ports(let x)? = a.last, case .ports(let y)? = b.last else { continue }
                    // nftables rejects overlapping intervals in a set ("File exists").
                    #expect(!x.overlaps(y), "\(set.name) holds overlapping elements \(a) and \(b)")
                }
            }
        }
        #expect(ruleset.allows(Self.client, Self.target, .tcp, 80))
        #expect(!ruleset.allows(Self.client, Self.target, .sctp, 80))
    }

    /// Three local servers whose container port "http" has different numbers and protocols.
    static let namedPortPods = [
        Manifest.pod("s1", labels: ["app": "s"], ips: ["10.0.0.1", "fd00::1"], ports: [("http", 8080, nil), ("metrics", 9100, nil)]),
        Manifest.pod("s2", labels: ["app": "s"], ips: ["10.0.0.2"], ports: [("http", 9090, "TCP")]),
        Manifest.pod("s3", labels: ["app": "s"], ips: ["10.0.0.3"], ports: [("http", 53, "UDP")]),
        Manifest.pod("s4", labels: ["app": "s"], ips: ["10.0.0.4"], ports: [(nil, 8080, nil)]),
        Manifest.pod("client", ips: ["10.0.9.9", "fd00::9"], node: "node-2", ports: [("http", 1234, nil)]),
    ]

    @Test("a named port resolves on each receiving pod to its own number and protocol")
    func namedPortIngress() throws {
        let ruleset = compile(try cluster(Self.namedPortPods + [Manifest.policy("p", spec: """
            podSelector: {matchLabels: {app: s}}
            ingress: [{ports: [{port: http}]}]
            """)]))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 8080))
        #expect(ruleset.allows("fd00::9", "fd00::1", .tcp, 8080))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 9090))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 9100))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.2", .tcp, 9090))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.2", .tcp, 8080))
        // s3's "http" is UDP, and the policy's port defaults to TCP: nothing matches.
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.3", .tcp, 53))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.3", .udp, 53))
        // s4 has no port named http at all.
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.4", .tcp, 8080))

        // Structure: the protocol, then (own address . port) in a set of each pod's resolution.
        let chain = try #require(ruleset.dispatchChain("ingress", for: ip("10.0.0.1")))
        let v4 = try #require(chain.allowRules.first { $0.matches.contains(.l4Protocol(.tcp)) && $0.setNames.contains { $0.hasSuffix("_v4") } })
        guard case .inSet(let fields, let name)? = v4.matches.last else { Issue.record("\(v4)"); return }
        #expect(fields == [.destinationAddress(.v4), .destinationPort])
        let elements = try #require(ruleset.set(named: name)).elements.map(\.key)
        #expect(elements.contains([.address(ip("10.0.0.1")), .port(8080)]))
        #expect(elements.contains([.address(ip("10.0.0.2")), .port(9090)]))
        #expect(!elements.contains { $0.first == .address(ip("10.0.0.3")) })
    }

    @Test("a named port with another protocol than the container port matches nothing")
    func namedPortProtocolMismatch() throws {
        let ruleset = compile(try cluster(Self.namedPortPods + [Manifest.policy("p", spec: """
            podSelector: {matchLabels: {app: s}}
            ingress: [{ports: [{port: http, protocol: UDP}]}]
            """)]))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.3", .udp, 53))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.1", .udp, 8080))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 8080))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.2", .udp, 9090))
    }

    @Test("named and numbered ports in one rule")
    func namedAndNumbered() throws {
        let ruleset = compile(try cluster(Self.namedPortPods + [Manifest.policy("p", spec: """
            podSelector: {matchLabels: {app: s}}
            ingress: [{ports: [{port: metrics}, {port: 22}]}]
            """)]))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 9100))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.1", .tcp, 22))
        #expect(ruleset.allows("10.0.9.9", "10.0.0.2", .tcp, 22))
        #expect(!ruleset.allows("10.0.9.9", "10.0.0.2", .tcp, 9100))
    }

    @Test("a named port in an egress rule without peers resolves on the destination pod")
    func namedPortEgressWithoutPeers() throws {
        let ruleset = compile(try cluster([
            Manifest.namespace("kube-system"),
            Manifest.pod("dns", ns: "kube-system", ips: ["10.0.5.53", "fd00::53"], node: "node-2",
                         ports: [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]),
            Manifest.pod("web", ips: ["10.0.5.80"], node: "node-2", ports: [("http", 80, nil)]),
            Manifest.pod("client", labels: ["app": "client"], ips: ["10.0.0.1", "fd00::1"]),
            Manifest.policy("dns-only", spec: """
                podSelector: {matchLabels: {app: client}}
                policyTypes: [Egress]
                egress: [{ports: [{port: dns, protocol: UDP}]}]
                """),
        ]))
        #expect(ruleset.allows("10.0.0.1", "10.0.5.53", .udp, 53))
        #expect(ruleset.allows("fd00::1", "fd00::53", .udp, 53))
        #expect(!ruleset.allows("10.0.0.1", "10.0.5.53", .tcp, 53))
        #expect(!ruleset.allows("10.0.0.1", "10.0.5.80", .udp, 53), "web has no port named dns")
        #expect(!ruleset.allows("10.0.0.1", "8.8.8.8", .udp, 53), "outside the cluster a name resolves to nothing")
        #expect(!ruleset.allows("10.0.0.1", "10.0.5.80", .tcp, 80))
    }
}
