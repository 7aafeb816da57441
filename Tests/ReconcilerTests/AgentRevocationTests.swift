import Foundation
import NetnsLab
import Testing
import TestSupport

/// The agent binary against the fake API server, with real packets: a policy change in the API ends
/// the open connections it denies within 1 s, across nodes and on one node, in both directions, and
/// never stalls the connections it still allows for more than 200 ms.
///
/// Failure mode closed: the agent accepted `ct state established` first, so connections outlived the
/// policy that allowed them.
@Suite(.serialized) struct AgentRevocationTests {
    static let revokedWithin: Duration = .seconds(1)
    static let longestAllowedStall: Duration = .milliseconds(200)

    @Test func anAPIChangeEndsDeniedConnectionsWithinASecond() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try cluster.namespace("x")
        try cluster.namespace("y")
        try cluster.pod("x/a", labels: ["app": "a"])
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.pod("y/a", labels: [:])
        try cluster.pod("y/b", labels: [:])
        let namespaceY: [String: Any] = ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "y"]]]
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [["podSelector": ["matchLabels": ["role": "client"]]], namespaceY])
        try cluster.startAgent(1)
        try cluster.startAgent(2)
        // The policy allows every lab pod: the first sync shows in the tables, not in probes.
        #expect(try eventually(within: .seconds(20)) { try cluster.hasTable(1) && cluster.hasTable(2) }, "first sync")
        try cluster.expectEventually([(LabCluster.probes("x/b", "x/a"), true), (LabCluster.probes("y/a", "x/a"), true)], "first sync")

        let lab = cluster.lab
        let denied = try [
            lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v4),  // across the node link
            lab.openFlow(from: "x/b", to: "x/a", proto: .udp, family: .v6),
            lab.openFlow(from: "x/b", to: "x/a", proto: .tcp, family: .v6, clientSends: false),  // only the server talks
        ]
        let allowed = try [
            lab.openFlow(from: "y/a", to: "x/a", proto: .tcp, family: .v4),  // on one node
            lab.openFlow(from: "y/b", to: "x/a", proto: .udp, family: .v4),
        ]
        defer { (denied + allowed).forEach { $0.stop() } }
        #expect(eventually { (denied + allowed).allSatisfy(\.isFlowing) }, "every flow passes data both ways before the change")

        let changed = ContinuousClock.now
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [namespaceY])
        let timing = RevocationTiming.measure(denied: denied, allowed: allowed, changed: changed)
        let problems = timing.problems(revokedWithin: Self.revokedWithin, longestStall: Self.longestAllowedStall)
        #expect(problems.isEmpty, "\(problems.joined(separator: "; "))")
        print(timing.report)
        let log = try String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)
        // The three flows, and the probes' connections, which the policy now denies too.
        #expect(log.contains("[Agent] revoked "), "the agent logs what it revoked: \(log)")
    }
}
