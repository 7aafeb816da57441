import Compiler
import IPAddressing
import Ruleset
import Testing

/// The compiler's part of revoking open connections: the label rule before the established accept, and
/// which local pods a change may have narrowed (the only ones whose connections are dumped).
@Suite struct RevocationTests {
    static let pods = [
        Manifest.pod("a", labels: ["app": "a"], ips: ["10.0.0.1", "fd00::1"]),
        Manifest.pod("b", labels: ["app": "b"], ips: ["10.0.0.2"]),
        Manifest.pod("c", labels: ["app": "c"], ips: ["10.0.0.3"]),
        Manifest.pod("remote", labels: ["app": "b"], ips: ["10.1.0.9"], node: "node-2"),
    ]

    static func ingressToA(from apps: [String]) -> String {
        Manifest.policy("a-ingress", spec: """
            podSelector: {matchLabels: {app: a}}
            ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [\(apps.joined(separator: ", "))]}]}}]}]
            """)
    }

    static let cIngressFromAnywhere = Manifest.policy("c-ingress", spec: "podSelector: {matchLabels: {app: c}}\ningress: [{}]")

    func compiled(_ documents: [String], options: CompilerOptions = CompilerOptions()) throws -> Ruleset {
        compile(try cluster([Manifest.namespace("default")] + Self.pods + documents), options: options)
    }

    /// Failure mode: `ct state established,related accept` came first, so no connection could ever be revoked.
    @Test func labelledConnectionsAreDroppedBeforeEstablishedIsAccepted() throws {
        let ruleset = try compiled([Self.ingressToA(from: ["b"])])
        let hook = try #require(ruleset.chain(named: "forward_hook"))
        #expect(hook.rules.first?.matches == [.conntrackLabel(bit: CompilerOptions.defaultRevocationLabelBit)])
        #expect(hook.rules.first?.action == .verdict(.drop))
        var reply = Packet(ip("10.0.0.1"), ip("10.0.0.2"), .tcp, 40000, state: .established)
        #expect(ruleset.evaluate(reply) == .accept)
        reply.conntrackLabels = [CompilerOptions.defaultRevocationLabelBit]
        #expect(ruleset.evaluate(reply) == .deny)
        reply.conntrackLabels = [7]
        #expect(ruleset.evaluate(reply) == .accept, "other label bits belong to others")
    }

    @Test func configurableBitAndKeepEstablished() throws {
        let seven = try compiled([Self.ingressToA(from: ["b"])], options: CompilerOptions(revocationLabelBit: 7))
        #expect(seven.chain(named: "forward_hook")?.rules.first?.matches == [.conntrackLabel(bit: 7)])
        let keep = try compiled([Self.ingressToA(from: ["b"])], options: CompilerOptions(revocationLabelBit: nil))
        let hook = try #require(keep.chain(named: "forward_hook"))
        #expect(!hook.rules.contains { $0.matches.contains { if case .conntrackLabel = $0 { true } else { false } } })
        #expect(keep.evaluate(Packet(ip("10.0.0.1"), ip("10.0.0.2"), .tcp, 40000, state: .established)) == .accept)
    }

    @Test func narrowingAPolicyScopesOnlyThePodsItIsolates() throws {
        let wide = try compiled([Self.ingressToA(from: ["b", "c"]), Self.cIngressFromAnywhere])
        let narrow = try compiled([Self.ingressToA(from: ["c"]), Self.cIngressFromAnywhere])
        #expect(RevocationScope.narrowedAddresses(from: wide, to: narrow) == [ip("10.0.0.1"), ip("fd00::1")])
        #expect(RevocationScope.narrowedAddresses(from: narrow, to: narrow) == [])
    }

    @Test func aPeerJoiningASetScopesNothing() throws {
        let before = try compiled([Self.ingressToA(from: ["b"]), Self.cIngressFromAnywhere])
        let joined = try compiled([Manifest.pod("b2", labels: ["app": "b"], ips: ["10.1.0.10"], node: "node-2"),
                                   Self.ingressToA(from: ["b"]), Self.cIngressFromAnywhere])
        #expect(RevocationScope.narrowedAddresses(from: before, to: joined) == [], "more allowed traffic revokes nothing")
    }

    @Test func aPeerLeavingASetScopesThePodsWhoseChainsUseIt() throws {
        let before = try compiled([Self.ingressToA(from: ["b"]), Self.cIngressFromAnywhere])
        // The remote b pod goes away: a's peer set loses an element, c's chain does not use that set.
        let remoteGone = compile(try cluster([Manifest.namespace("default")] + Self.pods.dropLast() + [Self.ingressToA(from: ["b"]),
                                                                                                       Self.cIngressFromAnywhere]))
        #expect(RevocationScope.narrowedAddresses(from: before, to: remoteGone) == [ip("10.0.0.1"), ip("fd00::1")])
    }

    @Test func newlyIsolatedPodsAndAFirstApplyAreInScope() throws {
        let none = try compiled([])
        let isolated = try compiled([Self.ingressToA(from: ["b"])])
        #expect(RevocationScope.narrowedAddresses(from: none, to: isolated) == [ip("10.0.0.1"), ip("fd00::1")])
        let both = try compiled([Self.ingressToA(from: ["b"]), Self.cIngressFromAnywhere])
        #expect(RevocationScope.narrowedAddresses(from: nil, to: both) == [ip("10.0.0.1"), ip("fd00::1"), ip("10.0.0.3")])
    }
}
