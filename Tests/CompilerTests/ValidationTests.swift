import ClusterModel
import Compiler
import Ruleset
import Testing

/// Every rejected object names its kind, namespace and name, and the field path of the problem.
@Suite("Validation errors")
struct ValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var what: String
        var spec: String
        var field: String
        var testDescription: String { what }
    }

    static let policyCases: [Case] = [
        Case(what: "invalid CIDR", spec: "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]",
             field: "spec.ingress[0].from[0].ipBlock.cidr"),
        Case(what: "CIDR that is only an address", spec: "egress: [{to: [{ipBlock: {cidr: 10.0.0.1}}]}]",
             field: "spec.egress[0].to[0].ipBlock.cidr"),
        Case(what: "ipBlock without cidr", spec: "ingress: [{from: [{ipBlock: {except: [10.0.0.0/8]}}]}]",
             field: "spec.ingress[0].from[0].ipBlock.cidr"),
        Case(what: "except outside cidr", spec: "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/24, 10.1.0.0/24]}}]}]",
             field: "spec.ingress[0].from[0].ipBlock.except[1]"),
        Case(what: "except equal to cidr", spec: "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]",
             field: "spec.ingress[0].from[0].ipBlock.except[0]"),
        Case(what: "except wider than cidr", spec: "ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}}]}]",
             field: "spec.ingress[0].from[0].ipBlock.except[0]"),
        Case(what: "except of the other family", spec: "egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: ['::/64']}}]}]",
             field: "spec.egress[0].to[0].ipBlock.except[0]"),
        Case(what: "invalid except", spec: "egress: [{to: [{ipBlock: {cidr: 'fd00::/8', except: ['fd00::/200']}}]}]",
             field: "spec.egress[0].to[0].ipBlock.except[0]"),
        Case(what: "lowercase protocol", spec: "ingress: [{ports: [{protocol: tcp, port: 80}]}]",
             field: "spec.ingress[0].ports[0].protocol"),
        Case(what: "unknown protocol", spec: "ingress: [{ports: [{port: 80}, {protocol: ICMP}]}]",
             field: "spec.ingress[0].ports[1].protocol"),
        Case(what: "port 0", spec: "ingress: [{ports: [{port: 0}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port 70000", spec: "egress: [{ports: [{port: 70000}]}]", field: "spec.egress[0].ports[0].port"),
        Case(what: "negative port", spec: "ingress: [{ports: [{port: -1}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "endPort 70000", spec: "ingress: [{ports: [{port: 80, endPort: 70000}]}]", field: "spec.ingress[0].ports[0].endPort"),
        Case(what: "endPort below port", spec: "ingress: [{ports: [{port: 8080, endPort: 8000}]}]", field: "spec.ingress[0].ports[0].endPort"),
        Case(what: "endPort with a named port", spec: "ingress: [{ports: [{port: http, endPort: 8080}]}]",
             field: "spec.ingress[0].ports[0].endPort"),
        Case(what: "endPort without port", spec: "egress: [{ports: [{protocol: UDP, endPort: 53}]}]", field: "spec.egress[0].ports[0].endPort"),
        Case(what: "uppercase port name", spec: "ingress: [{ports: [{port: HTTP}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port name of digits only", spec: "ingress: [{ports: [{port: '8080'}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port name too long", spec: "ingress: [{ports: [{port: abcdefghijklmnop}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port name with double hyphen", spec: "ingress: [{ports: [{port: web--a}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port name starting with a hyphen", spec: "ingress: [{ports: [{port: -web}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "port name with underscore", spec: "ingress: [{ports: [{port: web_a}]}]", field: "spec.ingress[0].ports[0].port"),
        Case(what: "unknown operator", spec: "podSelector: {matchExpressions: [{key: app, operator: in, values: [a]}]}",
             field: "spec.podSelector.matchExpressions[0].operator"),
        Case(what: "absent operator", spec: "podSelector: {matchExpressions: [{key: app, values: [a]}]}",
             field: "spec.podSelector.matchExpressions[0].operator"),
        Case(what: "In without values", spec: "ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In}]}}]}]",
             field: "spec.ingress[0].from[0].podSelector.matchExpressions[0].values"),
        Case(what: "NotIn with empty values",
             spec: "ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: a, operator: Exists}, {key: b, operator: NotIn, values: []}]}}]}]",
             field: "spec.ingress[0].from[0].namespaceSelector.matchExpressions[1].values"),
        Case(what: "Exists with values", spec: "egress: [{to: [{podSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}}]}]",
             field: "spec.egress[0].to[0].podSelector.matchExpressions[0].values"),
        Case(what: "DoesNotExist with values", spec: "podSelector: {matchExpressions: [{key: app, operator: DoesNotExist, values: [a]}]}",
             field: "spec.podSelector.matchExpressions[0].values"),
        Case(what: "expression without key", spec: "podSelector: {matchExpressions: [{operator: Exists}]}",
             field: "spec.podSelector.matchExpressions[0].key"),
        Case(what: "invalid label key", spec: "podSelector: {matchLabels: {'a b': c}}", field: "spec.podSelector.matchLabels"),
        Case(what: "invalid label value", spec: "podSelector: {matchLabels: {app: 'a b'}}", field: "spec.podSelector.matchLabels[app]"),
        // IsQualifiedName (apimachinery/pkg/util/validation/validation.go) wants a DNS-1123 subdomain
        // as the prefix; accepting any prefix let `DoesNotExist` on a key no pod can carry select all.
        Case(what: "label key with an invalid prefix",
             spec: "ingress: [{from: [{podSelector: {matchExpressions: [{key: 'Team_A/app', operator: DoesNotExist}]}}]}]",
             field: "spec.ingress[0].from[0].podSelector.matchExpressions[0].key"),
        // ValidateLabelSelectorRequirement allows invalid values only in updates of policies whose old
        // podSelector was already invalid, and labels.NewRequirement (LabelSelectorAsSelector) refuses
        // to evaluate them: upstream gives them no meaning, so the agent keeps rejecting them.
        Case(what: "invalid value in matchExpressions", spec: "podSelector: {matchExpressions: [{key: app, operator: NotIn, values: ['a b']}]}",
             field: "spec.podSelector.matchExpressions[0].values[0]"),
        Case(what: "ipBlock with a podSelector", spec: "ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]",
             field: "spec.ingress[0].from[0]"),
        Case(what: "ipBlock with a namespaceSelector",
             spec: "egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}, {namespaceSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]",
             field: "spec.egress[0].to[1]"),
        Case(what: "empty peer", spec: "ingress: [{from: [{podSelector: {}}, {}]}]", field: "spec.ingress[0].from[1]"),
        Case(what: "empty egress peer", spec: "egress: [{}, {to: [{}]}]", field: "spec.egress[1].to[0]"),
        Case(what: "unknown policyType", spec: "policyTypes: [Ingress, ingress]", field: "spec.policyTypes[1]"),
    ]

    @Test("an invalid NetworkPolicy names itself and the field", arguments: policyCases)
    func invalidPolicy(_ testCase: Case) throws {
        let spec = testCase.spec.hasPrefix("podSelector:") ? testCase.spec : "podSelector: {}\n" + testCase.spec
        let document = Manifest.policy("bad", ns: "team-a", spec: spec)
        let error = try #require(try validationError(document), "\(testCase.what) was accepted")
        #expect(error.object == ObjectReference(kind: "NetworkPolicy", namespace: "team-a", name: "bad"))
        #expect(error.field == testCase.field, "\(error)")
        #expect(error.description.hasPrefix("NetworkPolicy team-a/bad: \(testCase.field): "))
    }

    @Test("valid edge values are accepted", arguments: [
        "ingress: [{ports: [{port: 1}, {port: 65535}, {port: 1, endPort: 65535}, {port: 80, endPort: 80}]}]",
        "ingress: [{ports: [{port: a}, {port: abcdefghijklmno}, {port: web-1}, {port: 1a}]}]",
        "ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [0.0.0.0/1, 255.255.255.255/32]}}, {ipBlock: {cidr: '::/0', except: ['::/128']}}]}]",
        "ingress: [{ports: [{protocol: SCTP}, {protocol: UDP, port: 53}]}]",
        "policyTypes: [Ingress, Egress]",
        "policyTypes: []",
        "podSelector: {matchLabels: {example.com/app: a, a-1.b/x: y, app.kubernetes.io/name: Z_z.9}}",
        // IsValidCIDRForLegacyField (pkg/apis/core/validation) with StrictIPCIDRValidation off, or for
        // values the old object already had: leading zeros, IPv4-mapped IPv6 and host bits are allowed.
        "ingress: [{from: [{ipBlock: {cidr: 010.0.0.0/0008, except: [010.1.0.0/16, '::ffff:10.2.0.0/112']}}]}]",
        "egress: [{to: [{ipBlock: {cidr: '::ffff:10.0.0.0/104', except: ['::ffff:10.1.0.0/112', 10.2.0.0/16]}}]}]",
    ])
    func validEdges(spec: String) throws {
        #expect(try validationError(Manifest.policy("ok", spec: "podSelector: {}\n" + spec)) == nil)
    }

    @Test("a pod with an invalid IP names itself and the field")
    func podWithBadIP() throws {
        let error = try #require(try validationError(Manifest.pod("web", ns: "shop", ips: ["10.0.0.300"])))
        #expect(error.object == ObjectReference(kind: "Pod", namespace: "shop", name: "web"))
        #expect(error.field == "status.podIPs[0].ip")

        let onlyPodIP = """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
             "status": {"phase": "Running", "podIP": "fd00::1::2"}}
            """
        #expect(try validationError(onlyPodIP)?.field == "status.podIP")
    }

    @Test("a pod with two IPs of one family is rejected")
    func podWithTwoIPsOfOneFamily() throws {
        let v4 = try #require(try validationError(Manifest.pod("db", ns: "shop", ips: ["10.0.0.1", "10.0.0.2"])))
        #expect(v4.object == ObjectReference(kind: "Pod", namespace: "shop", name: "db"))
        #expect(v4.field == "status.podIPs[1].ip")
        let v6 = try #require(try validationError(Manifest.pod("db", ns: "shop", ips: ["fd00::1", "10.0.0.1", "fd00::2"])))
        #expect(v6.field == "status.podIPs[2].ip")
        #expect(try validationError(Manifest.pod("db", ns: "shop", ips: ["10.0.0.1", "fd00::1"])) == nil)
    }

    @Test("a pod with an invalid container port names the field")
    func podWithBadContainerPort() throws {
        let zero = try #require(try validationError(Manifest.pod("a", ips: ["10.0.0.1"], ports: [("http", 0, nil)])))
        #expect(zero.field == "spec.containers[0].ports[0].containerPort")
        let proto = try #require(try validationError(Manifest.pod("a", ips: ["10.0.0.1"], ports: [("dns", 53, "udp")])))
        #expect(proto.field == "spec.containers[0].ports[0].protocol")
    }

    /// The pod the policies below isolate, and the client addresses they are checked with.
    static let target = "10.0.0.2"

    func ruleset(policy spec: String, pods: [String] = []) throws -> Ruleset {
        compile(try cluster([Manifest.pod("web", ips: [Self.target])] + pods + [Manifest.policy("p", spec: spec)]))
    }

    /// Failure closed: a policy whose ipBlock has leading zeros was skipped. ParseCIDRSloppy reads
    /// "010.000.000.000/0008" as 10.0.0.0/8, never as octal 8.0.0.0/8, and the ruleset must say so.
    @Test("an ipBlock with leading zeros compiles to the decimal network")
    func ipBlockLeadingZerosCompile() throws {
        let rules = try ruleset(policy: "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 010.000.000.000/0008, except: [010.001.000.000/16]}}]}]")
        #expect(rules.allows("10.2.0.1", Self.target))
        #expect(!rules.allows("10.1.0.1", Self.target))
        #expect(!rules.allows("8.0.0.1", Self.target))
        #expect(rules.text.contains(#"comment "10.0.0.0/8 except 10.1.0.0/16""#), "\(rules.text)")
    }

    /// Failure open: "::ffff:10.0.0.0/104" was an IPv6 block, so an `except` written that way
    /// removed nothing from an IPv4 cidr, and such a cidr admitted no IPv4 client at all.
    @Test("an IPv4-mapped ipBlock compiles to the IPv4 network")
    func ipBlockIPv4MappedCompiles() throws {
        let except = try ruleset(policy: "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: ['::ffff:10.1.0.0/112']}}]}]")
        #expect(except.allows("10.2.0.1", Self.target))
        #expect(!except.allows("10.1.0.1", Self.target), "the mapped except must cut 10.1.0.0/16 out")
        let cidr = try ruleset(policy: "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: '::ffff:10.0.0.0/104'}}]}]")
        #expect(cidr.allows("10.2.0.1", Self.target))
        #expect(!cidr.allows("11.0.0.1", Self.target))
    }

    /// Failure closed in the wrong place: a policy without `spec` was rejected. NetworkPolicy.Spec is
    /// an optional non-pointer struct (k8s.io/api/networking/v1/types.go), so the API server reads an
    /// absent spec as the empty one: podSelector {} and, by SetDefaults_NetworkPolicy, policyTypes
    /// [Ingress], which denies all ingress to every pod of the namespace and leaves egress open.
    @Test("a policy without spec denies ingress to every pod of its namespace", arguments: ["", "spec: null"])
    func policyWithoutSpec(spec: String) throws {
        let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\n" + spec
        let rules = compile(try cluster([Manifest.pod("web", ips: [Self.target]), Manifest.pod("db", ips: ["10.0.0.7"]), policy]))
        #expect(rules.dispatchChain("ingress", for: ip(Self.target)) != nil)
        #expect(!rules.allows("10.0.0.7", Self.target))
        #expect(rules.dispatchChain("egress", for: ip(Self.target)) == nil)
    }

    /// Failure closed or open: a pod whose status.podIPs had leading zeros was rejected (so never
    /// isolated), and one with an IPv4-mapped IP was isolated only on an IPv6 address it never uses.
    /// validatePodIPs (pkg/apis/core/validation) checks them with IsValidIPForLegacyField.
    @Test("pod IPs with leading zeros or IPv4-mapped are the pod's IPv4 address", arguments: [
        ("010.000.000.007", "10.0.0.7"), ("::ffff:10.0.0.7", "10.0.0.7"), ("::ffff:010.0.0.7", "10.0.0.7"),
    ])
    func podIPsAsTheAPIServerReadsThem(text: String, address: String) throws {
        let rules = try ruleset(policy: "podSelector: {matchLabels: {app: db}}\ningress: []",
                                pods: [Manifest.pod("db", labels: ["app": "db"], ips: [text])])
        #expect(rules.dispatchChain("ingress", for: ip(address)) != nil, "\(text) is not isolated as \(address)")
        #expect(!rules.allows(Self.target, address))
    }

    @Test("an IPv4-mapped pod IP counts as IPv4 when checking one IP per family")
    func podIPv4MappedIsOfFamilyV4() throws {
        let error = try #require(try validationError(Manifest.pod("db", ns: "shop", ips: ["10.0.0.1", "::ffff:10.0.0.2"])))
        #expect(error.field == "status.podIPs[1].ip")
    }

    /// Failure closed: the API server does not validate status.phase (ValidatePodStatusUpdate checks
    /// no phase), so a pod with a phase this agent does not know was rejected and left unisolated.
    /// Only Succeeded and Failed are terminal (IsPodTerminal, pkg/api/v1/pod/util.go); any other
    /// phase is enforced like Unknown.
    @Test("a pod with an unknown phase is still isolated")
    func podWithUnknownPhase() throws {
        let rules = try ruleset(policy: "podSelector: {matchLabels: {app: db}}\ningress: []",
                                pods: [Manifest.pod("db", labels: ["app": "db"], ips: ["10.0.0.7"], phase: "Paused")])
        #expect(rules.dispatchChain("ingress", for: ip("10.0.0.7")) != nil)
    }

    /// Failure closed: a container port with `protocol: ""` was rejected. SetDefaults_ContainerPort
    /// (pkg/apis/core/v1/defaults.go) turns "" into TCP, unlike NetworkPolicyPort, whose default
    /// applies only when the field is absent.
    @Test("a container port with an empty protocol is TCP")
    func containerPortEmptyProtocol() throws {
        let rules = try ruleset(policy: "podSelector: {matchLabels: {app: db}}\ningress: [{ports: [{port: pg}]}]",
                                pods: [Manifest.pod("db", labels: ["app": "db"], ips: ["10.0.0.7"], ports: [("pg", 5432, "")])])
        #expect(rules.allows(Self.target, "10.0.0.7", .tcp, 5432))
        #expect(!rules.allows(Self.target, "10.0.0.7", .udp, 5432))
        #expect(try validationError(Manifest.policy("p", spec: "podSelector: {}\ningress: [{ports: [{protocol: '', port: 80}]}]"))?
            .field == "spec.ingress[0].ports[0].protocol")
    }

    @Test("a namespace without a name is rejected")
    func unnamedNamespace() throws {
        let error = try #require(try validationError(#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {}}"#))
        #expect(error.object.kind == "Namespace")
        #expect(error.field == "metadata.name")
    }
}
