import FakeAPIServerSupport
import Foundation
import NetnsLab
import Testing
import TestSupport

/// The agent binary, one per lab node, following the fake API server, checked with real packets.
/// Needs root (namespaces, nftables); fails, never skips, without it. Nothing touches the root namespace.
@Suite(.serialized)
struct AgentEndToEndTests {
    static var clientOnly: [String: Any] { ["podSelector": ["matchLabels": ["role": "client"]]] }
    static var blueNamespaces: [String: Any] { ["namespaceSelector": ["matchLabels": ["team": "blue"]]] }

    /// x/a is protected: only role=client pods of namespace x may connect.
    static func seed(_ cluster: LabCluster) throws {
        try cluster.namespace("x")
        try cluster.namespace("y")
        try cluster.pod("x/a", labels: ["app": "a"])
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.pod("y/a", labels: ["role": "client"])
        try cluster.pod("y/b", labels: [:])
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [clientOnly])
    }

    let fromXB = LabCluster.probes("x/b", "x/a")
    /// Same node as x/a, and across the node link.
    let fromY = LabCluster.probes("y/a", "x/a") + LabCluster.probes("y/b", "x/a")
    let toYB = LabCluster.probes("x/a", "y/b")

    @Test func policiesPodLabelsAndNamespaceLabelsAreFollowed() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try Self.seed(cluster)
        try cluster.startAgent(1)
        try cluster.startAgent(2)
        try cluster.expectEventually([(fromXB, true), (fromY, false), (toYB, true)], "first sync")

        try cluster.pod("x/b", labels: ["role": "none"])
        try cluster.expectEventually([(fromXB, false), (fromY, false)], "x/b relabelled away from role=client")
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.expectEventually([(fromXB, true), (fromY, false)], "x/b relabelled back")

        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [Self.clientOnly, Self.blueNamespaces])
        try cluster.namespace("y", labels: ["team": "blue"])
        try cluster.expectEventually([(fromXB, true), (fromY, true)], "namespace y labelled team=blue")
        try cluster.namespace("y")
        try cluster.expectEventually([(fromXB, true), (fromY, false)], "label removed from namespace y")

        // An invalid update leaves the last valid version in force, and other policies still apply.
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [], policyTypes: ["Sideways"])
        try cluster.policy("y", "deny-all", selector: [:], from: [])
        try cluster.expectEventually([(toYB, false)], "a valid policy beside an invalid one")
        try cluster.expectThroughout([(fromXB, true), (fromY, false)], for: .seconds(2), "invalid update of protect-a")

        try cluster.deletePolicy("x", "protect-a")
        try cluster.deletePolicy("y", "deny-all")
        try cluster.expectEventually([(fromXB, true), (fromY, true), (toYB, true)], "policies deleted")
        let agentLog = try String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)
        #expect(agentLog.contains("NetworkPolicy x/protect-a: spec.policyTypes[0]"), "the reject names object and field")
    }

    @Test func enforcementNeverLapsesThroughServerRestartsRelistsDropsAndAgentKills() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try Self.seed(cluster)
        try cluster.startAgent(1)
        try cluster.startAgent(2)
        try cluster.expectEventually([(fromXB, true), (fromY, false)], "first sync")

        // The API server crashes and comes back (same address, same state).
        cluster.crashServer()
        try cluster.expectThroughout([(fromXB, true), (fromY, false)], for: .seconds(3), "API server down")
        try cluster.startServer()
        try cluster.pod("x/b", labels: ["role": "none"])
        try cluster.expectEventually([(fromXB, false), (fromY, false)], timeout: .seconds(8), "change after the API server restart")

        // The watch falls behind a compaction (410): a relist drops what was deleted meanwhile.
        let api = try cluster.api
        try api.send(["op": "reset-stats"])
        try api.send(["op": "fail", "status": 500, "count": 9, "verb": "watch"])
        try api.send(["op": "drop-watches"])
        try cluster.deletePolicy("x", "protect-a")
        try cluster.policy("y", "deny-all", selector: [:], from: [])
        try api.send(["op": "compact"])
        // Each failure and the 410 are one more step of client-go's backoff (0.8 s doubling, jittered
        // up to ×2): the fourth step alone can take 12.8 s.
        try cluster.expectEventually([(fromXB, true), (toYB, false)], timeout: .seconds(40), "relist after 410")
        // Every kind relists on both agents once its watch meets the 410, after a backoff: wait for
        // all six syncs (each begins with a WatchList), so that no late relist is counted below.
        var relists: [String: Int] = [:]
        _ = try eventually(within: .seconds(40), every: .milliseconds(200)) {
            relists = try api.requestCounts()
            return ["namespaces", "pods", "networkpolicies"].allSatisfy { (relists["watchlist:\($0)"] ?? 0) >= 2 }
        }
        #expect((relists["watchlist:networkpolicies"] ?? 0) >= 2, "\(relists)")

        // A watch dropped mid-stream resumes with a WATCH, not a LIST.
        try api.send(["op": "reset-stats"])
        try api.send(["op": "drop-watches"])
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [Self.clientOnly])
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.expectEventually([(fromXB, true), (fromY, false)], "after dropped watches")
        let counts = try api.requestCounts()
        #expect(counts.keys.filter { $0.hasPrefix("list:") || $0.hasPrefix("watchlist:") }.isEmpty, "resumed with watches only: \(counts)")

        // SIGKILL: the table stays and keeps enforcing; the restarted agent catches up.
        cluster.killAgent(1)
        #expect(try cluster.hasTable(1))
        try cluster.deletePolicy("y", "deny-all")
        try cluster.pod("x/b", labels: ["role": "none"])
        try cluster.expectThroughout([(fromY, false)], for: .seconds(2), "agent killed")
        try cluster.startAgent(1)
        try cluster.expectEventually([(fromXB, false), (fromY, false), (toYB, true)], "restarted agent")

        // An agent started while the API server is down keeps the old table until it can sync.
        #expect(cluster.stopAgent(1) == 0, "SIGTERM is a clean exit")
        #expect(try cluster.hasTable(1), "the table outlives the agent")
        cluster.stopServer()
        try cluster.startAgent(1)
        try cluster.expectThroughout([(fromXB, false), (fromY, false)], for: .seconds(3), "agent restarted without API server")
        try cluster.startServer()
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.expectEventually([(fromXB, true), (fromY, false)], timeout: .seconds(8), "first sync after the API server is back")
    }
}
