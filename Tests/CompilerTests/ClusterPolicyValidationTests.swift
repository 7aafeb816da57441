import ClusterModel
import Compiler
import IPAddressing
import Manifests
import Testing

/// ClusterNetworkPolicy validation: every schema and CEL rule of the v1alpha2 CRD rejects the object
/// naming the field; peers and protocols the agent cannot read make their rule fail closed instead.
@Suite("ClusterNetworkPolicy validation")
struct ClusterPolicyValidationTests {
    typealias Case = ValidationTests.Case

    static let header = "tier: Admin\npriority: 10\nsubject: {namespaces: {}}\n"

    static func rule(_ body: String) -> String { header + "egress: [{action: Deny, \(body)}]" }

    static let ruleList = (0..<26).map { _ in "{action: Deny, to: [{namespaces: {}}]}" }.joined(separator: ", ")
    static let peerList = (0..<26).map { _ in "{namespaces: {}}" }.joined(separator: ", ")
    static let protocolList = (1...26).map { "{tcp: {destinationPort: {number: \($0)}}}" }.joined(separator: ", ")
    static let networkList = (1...26).map { "10.0.\($0).0/24" }.joined(separator: ", ")

    static let cases: [Case] = [
        Case(what: "no tier", spec: "priority: 1\nsubject: {namespaces: {}}", field: "spec.tier"),
        Case(what: "unknown tier", spec: "tier: admin\npriority: 1\nsubject: {namespaces: {}}", field: "spec.tier"),
        Case(what: "no priority", spec: "tier: Admin\nsubject: {namespaces: {}}", field: "spec.priority"),
        Case(what: "priority 1001", spec: "tier: Baseline\npriority: 1001\nsubject: {namespaces: {}}", field: "spec.priority"),
        Case(what: "negative priority", spec: "tier: Admin\npriority: -1\nsubject: {namespaces: {}}", field: "spec.priority"),
        Case(what: "no subject", spec: "tier: Admin\npriority: 1", field: "spec.subject"),
        Case(what: "empty subject", spec: "tier: Admin\npriority: 1\nsubject: {}", field: "spec.subject"),
        Case(what: "subject with both fields",
             spec: "tier: Admin\npriority: 1\nsubject: {namespaces: {}, pods: {podSelector: {}}}", field: "spec.subject"),
        Case(what: "subject pods without podSelector",
             spec: "tier: Admin\npriority: 1\nsubject: {pods: {namespaceSelector: {}}}", field: "spec.subject.pods.podSelector"),
        Case(what: "invalid subject selector", spec: "tier: Admin\npriority: 1\nsubject: {namespaces: {matchLabels: {'a b': c}}}",
             field: "spec.subject.namespaces.matchLabels"),
        Case(what: "invalid namespaceSelector in subject pods",
             spec: "tier: Admin\npriority: 1\nsubject: {pods: {podSelector: {}, namespaceSelector: {matchExpressions: [{key: a, operator: In}]}}}",
             field: "spec.subject.pods.namespaceSelector.matchExpressions[0].values"),
        Case(what: "26 egress rules", spec: header + "egress: [\(ruleList)]", field: "spec.egress"),
        Case(what: "26 ingress rules", spec: header + "ingress: [\(ruleList.replacingOccurrences(of: "to:", with: "from:"))]",
             field: "spec.ingress"),
        Case(what: "rule name of 101 characters",
             spec: header + "ingress: [{name: \(String(repeating: "n", count: 101)), action: Deny, from: [{namespaces: {}}]}]",
             field: "spec.ingress[0].name"),
        // 100 characters of "é" written as e + combining acute: 100 graphemes, 200 code points.
        Case(what: "rule name of 200 code points",
             spec: header + "ingress: [{name: \(String(repeating: "e\u{301}", count: 100)), action: Deny, from: [{namespaces: {}}]}]",
             field: "spec.ingress[0].name"),
        Case(what: "no action", spec: header + "ingress: [{from: [{namespaces: {}}]}]", field: "spec.ingress[0].action"),
        Case(what: "unknown action", spec: header + "ingress: [{action: Invalid, from: [{namespaces: {}}]}]", field: "spec.ingress[0].action"),
        Case(what: "lowercase action", spec: header + "egress: [{action: Deny, to: [{namespaces: {}}]}, {action: allow, to: [{namespaces: {}}]}]",
             field: "spec.egress[1].action"),
        Case(what: "no from", spec: header + "ingress: [{action: Accept}]", field: "spec.ingress[0].from"),
        Case(what: "empty to", spec: rule("to: []"), field: "spec.egress[0].to"),
        Case(what: "26 peers", spec: rule("to: [\(peerList)]"), field: "spec.egress[0].to"),
        Case(what: "peer with two fields", spec: rule("to: [{namespaces: {}}, {namespaces: {}, networks: [10.0.0.0/8]}]"),
             field: "spec.egress[0].to[1]"),
        Case(what: "ingress peer with two fields", spec: header + "ingress: [{action: Deny, from: [{namespaces: {}, pods: {podSelector: {}}}]}]",
             field: "spec.ingress[0].from[0]"),
        Case(what: "peer pods without podSelector", spec: rule("to: [{pods: {namespaceSelector: {}}}]"), field: "spec.egress[0].to[0].pods.podSelector"),
        Case(what: "invalid peer selector", spec: rule("to: [{pods: {podSelector: {matchLabels: {app: 'a b'}}}}]"),
             field: "spec.egress[0].to[0].pods.podSelector.matchLabels[app]"),
        Case(what: "invalid nodes selector", spec: rule("to: [{nodes: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}]"),
             field: "spec.egress[0].to[0].nodes.matchExpressions[0].values"),
        Case(what: "empty networks", spec: rule("to: [{networks: []}]"), field: "spec.egress[0].to[0].networks"),
        Case(what: "26 networks", spec: rule("to: [{networks: [\(networkList)]}]"), field: "spec.egress[0].to[0].networks"),
        Case(what: "duplicate network", spec: rule("to: [{networks: [10.0.0.0/8, 10.1.0.0/16, 10.0.0.0/8]}]"),
             field: "spec.egress[0].to[0].networks[2]"),
        Case(what: "network of 44 characters", spec: rule("to: [{networks: ['0000:0000:0000:0000:0000:0000:0000:0000/0128']}]"),
             field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "network that is an address", spec: rule("to: [{networks: [10.0.0.1]}]"), field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "network with prefix 33", spec: rule("to: [{networks: [10.0.0.0/33]}]"), field: "spec.egress[0].to[0].networks[0]"),
        // isCIDR is netip.ParsePrefix (k8s.io/apiserver/pkg/cel/library/cidr.go): stricter than ipBlock.
        Case(what: "network with leading zeros", spec: rule("to: [{networks: [010.0.0.0/8]}]"), field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "network with a zero-padded prefix", spec: rule("to: [{networks: [10.0.0.0/08]}]"),
             field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "IPv4-mapped network", spec: rule("to: [{networks: ['::ffff:10.0.0.0/104']}]"), field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "network with a zone", spec: rule("to: [{networks: ['fe80::%eth0/64']}]"), field: "spec.egress[0].to[0].networks[0]"),
        Case(what: "empty protocols", spec: rule("to: [{namespaces: {}}], protocols: []"), field: "spec.egress[0].protocols"),
        Case(what: "26 protocols", spec: rule("to: [{namespaces: {}}], protocols: [\(protocolList)]"), field: "spec.egress[0].protocols"),
        Case(what: "protocol entry with two fields",
             spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 53}}}]"),
             field: "spec.egress[0].protocols[0]"),
        Case(what: "protocol and named port in one entry",
             spec: rule("to: [{namespaces: {}}], protocols: [{sctp: {destinationPort: {number: 9}}, destinationNamedPort: web}]"),
             field: "spec.egress[0].protocols[0]"),
        Case(what: "tcp: {}", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {}}]"), field: "spec.egress[0].protocols[0].tcp.destinationPort"),
        Case(what: "empty destinationPort", spec: rule("to: [{namespaces: {}}], protocols: [{udp: {destinationPort: {}}}]"),
             field: "spec.egress[0].protocols[0].udp.destinationPort"),
        Case(what: "number and range",
             spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80, range: {start: 1, end: 2}}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort"),
        Case(what: "port 0", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 0}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort.number"),
        Case(what: "port 65536", spec: rule("to: [{namespaces: {}}], protocols: [{udp: {destinationPort: {number: 65536}}}]"),
             field: "spec.egress[0].protocols[0].udp.destinationPort.number"),
        Case(what: "range start 0", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 0, end: 9}}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort.range.start"),
        Case(what: "range end 65536", spec: rule("to: [{namespaces: {}}], protocols: [{sctp: {destinationPort: {range: {start: 1, end: 65536}}}}]"),
             field: "spec.egress[0].protocols[0].sctp.destinationPort.range.end"),
        Case(what: "range without end", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 1}}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort.range.end"),
        Case(what: "one-port range", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort.range"),
        Case(what: "reversed range", spec: rule("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 90, end: 80}}}}]"),
             field: "spec.egress[0].protocols[0].tcp.destinationPort.range"),
    ]

    @Test("an invalid ClusterNetworkPolicy names itself and the field", arguments: cases)
    func invalidPolicy(_ testCase: Case) throws {
        let error = try #require(try validationError(Manifest.clusterPolicy("deny-x", spec: testCase.spec)), "\(testCase.what) was accepted")
        #expect(error.object == ObjectReference(kind: "ClusterNetworkPolicy", namespace: nil, name: "deny-x"))
        #expect(error.field == testCase.field, "\(error)")
        #expect(error.description.hasPrefix("ClusterNetworkPolicy deny-x: \(testCase.field): "))
    }

    @Test("a ClusterNetworkPolicy without spec is rejected")
    func withoutSpec() throws {
        let document = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: x}"
        #expect(try validationError(document)?.field == "spec")
    }

    func policy(_ spec: String) throws -> ClusterNetworkPolicy {
        try #require(try cluster(Manifest.clusterPolicy("p", spec: spec)).clusterPolicies.first)
    }

    @Test("a valid policy reads every field")
    func readsEverything() throws {
        let read = try policy("""
            tier: Baseline
            priority: 1000
            subject: {pods: {podSelector: {matchLabels: {app: db}}}}
            ingress:
            - {action: Pass, from: [{namespaces: {matchLabels: {team: a}}}, {pods: {namespaceSelector: {}, podSelector: {}}}]}
            egress:
            - name: \(String(repeating: "n", count: 100))
              action: Accept
              to: [{networks: [10.0.0.1/8, '::/0', '::1.2.3.4/128']}, {nodes: {}}]
              protocols: [{tcp: {destinationPort: {number: 1}}}, {udp: {destinationPort: {range: {start: 1, end: 65535}}}},
                          {sctp: {destinationPort: {number: 65535}}}, {destinationNamedPort: dns}]
            """)
        let team = LabelSelector(requirements: [.init(key: "team", op: .in(["a"]))])
        let app = LabelSelector(requirements: [.init(key: "app", op: .in(["db"]))])
        #expect(read == ClusterNetworkPolicy(
            name: "p", tier: .baseline, priority: 1000, subject: .pods(namespaces: .everything, pods: app),
            ingress: [ClusterPolicyRule(action: .pass, peers: [.namespaces(team), .pods(namespaces: .everything, pods: .everything)])],
            egress: [ClusterPolicyRule(
                name: String(repeating: "n", count: 100), action: .accept,
                peers: [.networks([CIDR("10.0.0.0/8")!, CIDR("::/0")!, CIDR("::102:304/128")!]), .nodes(.everything)],
                protocols: [.ports(.tcp, 1...1), .ports(.udp, 1...65535), .ports(.sctp, 65535...65535), .namedPort("dns")])]))
    }

    @Test("25 rules, peers, protocols and networks are accepted")
    func limits() throws {
        let rules = (0..<25).map { _ in "{action: Deny, to: [\((0..<25).map { _ in "{namespaces: {}}" }.joined(separator: ", "))]}" }
        let read = try policy(Self.header + "egress: [\(rules.joined(separator: ", "))]")
        #expect(read.egress.count == 25 && read.egress.allSatisfy { $0.peers.count == 25 })
        let protocols = (1...25).map { "{tcp: {destinationPort: {number: \($0)}}}" }.joined(separator: ", ")
        let networks = (1...25).map { "10.0.\($0).0/24" }.joined(separator: ", ")
        let wide = try policy(Self.rule("to: [{networks: [\(networks)]}], protocols: [\(protocols)]"))
        #expect(wide.egress[0].protocols?.count == 25)
        #expect(wide.egress[0].peers == [.networks((1...25).map { CIDR("10.0.\($0).0/24")! })])
    }

    @Test("a peer or protocol entry the agent cannot read makes its rule fail closed, naming the field", arguments: [
        ("to: [{namespaces: {}}, {futurePeer: {x: 1}}]", "spec.egress[0].to[1]: no field this agent knows"),
        ("to: [{domainNames: [example.com]}, {namespaces: {}}]", "spec.egress[0].to[0].domainNames: not implemented"),
        ("to: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 80}}}, {icmp: {}}]",
         "spec.egress[0].protocols[1]: no protocol this agent knows"),
    ])
    func failsClosed(body: String, reason: String) throws {
        let rule = try #require(try policy(Self.rule(body)).egress.first)
        let failure = try #require(rule.failsClosed, "the rule does not fail closed")
        #expect(failure.hasPrefix(reason), "\(failure)")
        #expect(rule.peers == [.namespaces(.everything)], "the peers it could read stay")
    }

    @Test("networks and nodes in an ingress peer fail closed", arguments: ["networks: [10.0.0.0/8]", "nodes: {}"])
    func ingressOnlyPeers(peer: String) throws {
        let read = try policy(Self.header + "ingress: [{action: Accept, from: [{\(peer)}]}]")
        let field = peer.prefix { $0 != ":" }
        #expect(read.ingress[0].failsClosed?.hasPrefix("spec.ingress[0].from[0].\(field): ") == true)
        #expect(read.ingress[0].peers.isEmpty)
    }

    @Test("a readable rule does not fail closed")
    func readableRule() throws {
        #expect(try policy(Self.rule("to: [{nodes: {}}]")).egress[0].failsClosed == nil)
    }
}

@Suite("ClusterNetworkPolicy stand-ins and Nodes")
struct ClusterPolicyStandInTests {
    @Test("an unreadable policy's stand-in keeps the tier, priority and subject that validate")
    func standInKeepsWhatReads() throws {
        let object = try decodeClusterPolicy("""
            tier: Baseline
            priority: 7
            subject: {pods: {podSelector: {matchLabels: {app: db}}}}
            egress: [{action: Deny, to: [{networks: [bad]}]}]
            """)
        let standIn = try #require(ClusterNetworkPolicy(failingClosed: object, metadata: object.metadata, reason: "why"))
        #expect(standIn.tier == .baseline && standIn.priority == 7 && standIn.unreadable == "why")
        #expect(standIn.subject == .pods(namespaces: .everything, pods: LabelSelector(requirements: [.init(key: "app", op: .in(["db"]))])))
        #expect(standIn.ingress.isEmpty && standIn.egress.isEmpty)
    }

    @Test("what does not validate falls back to Admin, priority 0, every pod")
    func standInDefaults() throws {
        let object = try decodeClusterPolicy("tier: Middle\npriority: 5000\nsubject: {namespaces: {}, pods: {podSelector: {}}}")
        let standIn = try #require(ClusterNetworkPolicy(failingClosed: object, metadata: object.metadata, reason: "why"))
        #expect(standIn.tier == .admin && standIn.priority == 0 && standIn.subject == .namespaces(.everything))
        let undecodable = try #require(ClusterNetworkPolicy(failingClosed: nil, metadata: ObjectMeta(name: "x"), reason: "why"))
        #expect(undecodable.tier == .admin && undecodable.priority == 0 && undecodable.subject == .namespaces(.everything))
        #expect(ClusterNetworkPolicy(failingClosed: nil, metadata: ObjectMeta(), reason: "why") == nil, "nothing could remove it")
    }

    @Test("a Node: its labels and every address that is an IP")
    func node() throws {
        let node = try #require(try cluster("""
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a"}},
             "status": {"addresses": [{"type": "Hostname", "address": "n1"}, {"type": "InternalIP", "address": "10.0.0.1"},
                                      {"type": "ExternalIP", "address": "fd00::1"}, {"type": "InternalDNS", "address": "n1.local"},
                                      {"type": "Other", "address": "192.0.2.1"}]}}
            """).nodes.first)
        #expect(node == ClusterNode(name: "n1", labels: ["zone": "a"], addresses: [ip("10.0.0.1"), ip("192.0.2.1"), ip("fd00::1")]))
    }

    func decodeClusterPolicy(_ spec: String) throws -> ClusterNetworkPolicyObject {
        let documents = try ManifestReader.parse(Manifest.clusterPolicy("p", spec: spec), source: "test.yaml")
        guard case .object(.clusterNetworkPolicy(let object)) = try documents[0].decode() else {
            throw FixtureError(description: "not a ClusterNetworkPolicy")
        }
        return object
    }
}
