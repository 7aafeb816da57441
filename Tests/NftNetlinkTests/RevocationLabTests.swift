import ClusterModel
import Compiler
import IPAddressing
import NetnsLab
@testable import NftNetlink
import Ruleset
import Testing
import TestSupport

/// Connections already open when a policy change denies them, with real packets: after the apply and
/// one revocation pass, a denied TCP connection or UDP flow stops passing data in both directions
/// within 1 s (also when only the server talks, and when only the client's egress policy denies it),
/// while an allowed flow on the same pods never stalls for more than 200 ms.
///
/// Failure mode closed: `ct state established,related accept` kept every such connection open for as
/// long as it lived.
@Suite(.serialized) struct RevocationLabTests {
    static let revokedWithin: Duration = .seconds(1)
    static let longestAllowedStall: Duration = .milliseconds(200)

    /// With `entriesPerWalk` 0, the pass dumps the entries of each address (two walks of the hash per
    /// address); with the measured default and the lab's few entries, one dump of the whole table (one
    /// walk): the same connections are revoked, the same kept.
    @Test(arguments: [0, DumpChoice.measuredEntriesPerWalk]) func ingressChangeRevokesDeniedConnectionsOnly(entriesPerWalk: Int) throws {
        try Scenario.run(entriesPerWalk: entriesPerWalk) { scenario in
            try scenario.apply(Self.ingressPolicy(allowing: ["b", "c"]))
            let denied = try scenario.flowsFromBToA()
            let allowed = try [
                scenario.lab.openFlow(from: "x/c", to: "x/a", proto: .tcp, family: .v4),
                scenario.lab.openFlow(from: "x/c", to: "x/a", proto: .udp, family: .v6),
            ]
            let report = try scenario.expectRevocation(of: denied, keeping: allowed, after: Self.ingressPolicy(allowing: ["c"]))
            // x/a's two addresses narrowed.
            #expect(report?.addresses == 2)
            #expect(report?.walks == (entriesPerWalk == 0 ? 4 : 1))
        }
    }

    @Test func egressChangeOfTheClientAloneRevokes() throws {
        try Scenario.run { scenario in
            try scenario.apply(Self.egressPolicy(allowing: ["a", "c"]))
            let denied = try scenario.flowsFromBToA()
            let allowed = try [scenario.lab.openFlow(from: "x/b", to: "x/c", proto: .tcp, family: .v4)]
            try scenario.expectRevocation(of: denied, keeping: allowed, after: Self.egressPolicy(allowing: ["c"]))
        }
    }

    /// Connections older than any label rule have no room for labels (the kernel adds it only to entries
    /// created once a rule uses labels); deleting them let the server's next packet start a new entry
    /// that policy allowed. The pass replaces them by labelled copies.
    @Test func connectionsOlderThanTheLabelRuleAreRevokedToo() throws {
        try Scenario.run { scenario in
            // Conntrack on, no labels: as on a node before the agent.
            let warmup = "table inet warmup {\n chain forward { type filter hook forward priority 10; ct state established accept\n }\n}\n"
            #expect(try scenario.lab.run(inNode: 1, ["nft", "-f", "-"], stdin: warmup).status == 0)
            let denied = try scenario.flowsFromBToA()
            let allowed = try [scenario.lab.openFlow(from: "x/c", to: "x/a", proto: .tcp, family: .v4)]
            try scenario.expectRevocation(of: denied, keeping: allowed, after: Self.ingressPolicy(allowing: ["c"]))
        }
    }

    /// Between deleting an entry without room for labels and creating its labelled copy, the
    /// connection's next packet may start a new entry of the same tuples; the kernel refuses the copy
    /// (EEXIST). That new entry, created under the agent's table, is labelled instead. Here the entry
    /// that is in the way is the flow's own, as the racing packet would have left it.
    @Test func aCopyRefusedByANewerEntryLabelsThatEntry() throws {
        try Scenario.run { scenario in
            try scenario.apply(Self.ingressPolicy(allowing: ["b", "c"]))
            let flow = try scenario.lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v4)
            defer { flow.stop() }
            #expect(eventually { flow.isFlowing })
            let table = try ConntrackTable(netns: scenario.lab.nodeNamespace(1))
            let bit = try #require(scenario.revoker?.labelBit)
            let server = try #require(IPAddress(scenario.lab.address(of: "x/a", family: .v4)))
            let entry = try #require(try table.flows(involving: [server]).first { $0.originalDestination == server && $0.l4Protocol == 6 })
            #expect(!entry.hasLabel(bit))
            try table.createLabelled(entry, from: try #require(entry.recreation), bit: bit)
            let after = try table.flows(involving: [server]).filter { $0.identity == entry.identity }
            #expect(after.count == 1 && after.allSatisfy { $0.hasLabel(bit) }, "the entry in the way carries the label")
        }
    }

    @Test func keepEstablishedLeavesConnectionsOpen() throws {
        try Scenario.run(revocationLabelBit: nil) { scenario in
            try scenario.apply(Self.ingressPolicy(allowing: ["b"]))
            let flow = try scenario.lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v4)
            defer { flow.stop() }
            let changed = ContinuousClock.now
            try scenario.apply(Self.ingressPolicy(allowing: ["c"]))
            #expect(eventually(within: .seconds(3)) { flow.deliveries(.serverToClient).filter { $0 > changed + .milliseconds(500) }.count > 10 })
            #expect(try scenario.lab.probe([Probe(from: "x/b", to: "x/a", port: 80, proto: .tcp, family: .v4)]) == [false])
        }
    }

    // MARK: - Policies

    /// x/a admits TCP and UDP from the named pods of x.
    private static func ingressPolicy(allowing pods: [String]) -> NetworkPolicy {
        NetworkPolicy(namespace: "x", name: "a-ingress", podSelector: selector(["a"]), isolatesIngress: true, isolatesEgress: false,
                      ingress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: selector(pods))])])
    }

    /// x/b may reach the named pods of x.
    private static func egressPolicy(allowing pods: [String]) -> NetworkPolicy {
        NetworkPolicy(namespace: "x", name: "b-egress", podSelector: selector(["b"]), isolatesIngress: false, isolatesEgress: true,
                      egress: [PolicyRule(peers: [.pods(namespaces: .named("x"), pods: selector(pods))])])
    }

    private static func selector(_ pods: [String]) -> LabelSelector {
        LabelSelector(requirements: [.init(key: "pod", op: .in(pods))])
    }
}

/// One node with pods x/a, x/b, x/c, its compiler, programmer and revoker.
private struct Scenario {
    let lab: Lab
    var compiler: NodeCompiler
    let programmer: KernelProgrammer
    let revoker: ConnectionRevoker?
    var applied: Ruleset?

    static func run(revocationLabelBit: UInt8? = CompilerOptions.defaultRevocationLabelBit, entriesPerWalk: Int = 0,
                    _ body: (inout Scenario) throws -> Void) throws {
        let lab = try Lab(nodes: 1, pods: ["x/a", "x/b", "x/c"].map { LabPodSpec(name: $0, node: 1) })
        defer { lab.destroy() }
        var compiler = NodeCompiler(node: lab.nodeName(1), options: CompilerOptions(revocationLabelBit: revocationLabelBit))
        compiler.upsert(Namespace(name: "x", labels: ["kubernetes.io/metadata.name": "x"]))
        for pod in lab.podNames {
            let name = String(pod.split(separator: "/")[1])
            compiler.upsert(Pod(namespace: "x", name: name, labels: ["pod": name], nodeName: lab.nodeName(1),
                                addresses: LabFamily.allCases.compactMap { IPAddress(lab.address(of: pod, family: $0)) }))
        }
        var scenario = Scenario(lab: lab, compiler: compiler,
                                programmer: try KernelProgrammer(tableName: compiler.options.tableName, netns: lab.nodeNamespace(1)),
                                revoker: try revocationLabelBit.map { try ConnectionRevoker(labelBit: $0, netns: lab.nodeNamespace(1), entriesPerWalk: entriesPerWalk) })
        try body(&scenario)
    }

    /// TCP and UDP over both families from x/b to x/a, one of them with a silent client: the server's
    /// packet is the next one.
    func flowsFromBToA() throws -> [LiveFlow] {
        try [
            lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v4),
            lab.openFlow(from: "x/b", to: "x/a", proto: .udp, family: .v4),
            lab.openFlow(from: "x/b", to: "x/a", proto: .udp, family: .v6),
            lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v6, clientSends: false),
        ]
    }

    /// Programs the policy (replacing the one of the same name) and runs a revocation pass.
    @discardableResult
    mutating func apply(_ policy: NetworkPolicy) throws -> RevocationReport? {
        compiler.upsert(policy)
        let ruleset = compiler.ruleset()
        try programmer.apply(ruleset)
        defer { applied = ruleset }
        return try revoker?.revoke(previous: applied, current: ruleset)
    }

    /// Applies `change`, then expects every `denied` flow to go quiet in both directions within 1 s of
    /// it, and no `allowed` flow to stall for more than 200 ms.
    @discardableResult
    mutating func expectRevocation(of denied: [LiveFlow], keeping allowed: [LiveFlow], after change: NetworkPolicy) throws -> RevocationReport? {
        defer { (denied + allowed).forEach { $0.stop() } }
        #expect(eventually { (denied + allowed).allSatisfy(\.isFlowing) }, "every flow passes data both ways before the change")
        let changed = ContinuousClock.now
        let report = try apply(change)
        let passDone = ContinuousClock.now
        let timing = RevocationTiming.measure(denied: denied, allowed: allowed, changed: changed)
        let problems = timing.problems(revokedWithin: RevocationLabTests.revokedWithin, longestStall: RevocationLabTests.longestAllowedStall)
        #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
        print(timing.report)
        print("revocation timing: apply and pass took \(passDone - changed); \(String(describing: report))")
        return report
    }
}
