import FakeAPIServerSupport
import Foundation
import NetnsLab
import Testing

/// ClusterNetworkPolicies through the fake API server, followed with real probes: by the agent binary
/// on both lab nodes (CNPs created, reprioritised and deleted, then the CRD deleted), and by the
/// reconcile loop when the CRD is installed after the start (the binary would ask discovery again
/// only after 60 s). Needs root; fails without it. Nothing touches the root namespace's rules.
@Suite(.serialized)
struct ClusterPolicyEndToEndTests {
    /// x/a (node 1) admits namespace y by its NetworkPolicy; nothing else is isolated.
    static func seed(_ cluster: LabCluster) throws {
        try cluster.namespace("x")
        try cluster.namespace("y")
        try cluster.pod("x/a", labels: ["app": "a"])
        try cluster.pod("x/b", labels: [:])
        try cluster.pod("y/a", labels: ["role": "a"])
        try cluster.pod("y/b", labels: ["role": "b"])
        try cluster.policy("x", "from-y", selector: ["app": "a"], from: [["namespaceSelector": named("y")]])
    }

    /// y/a is on x/a's node, y/b and x/b across the node link.
    let yaToXA = LabCluster.probes("y/a", "x/a"), ybToXA = LabCluster.probes("y/b", "x/a"), xbToXA = LabCluster.probes("x/b", "x/a")
    let xaToYB = LabCluster.probes("x/a", "y/b"), xbToYA = LabCluster.probes("x/b", "y/a"), xaToXB = LabCluster.probes("x/a", "x/b")

    @Test func clusterPoliciesAreCreatedReprioritisedDeletedAndLeaveWithTheirCRD() throws {
        let cluster = try LabCluster(policyAPI: true)
        defer { cluster.destroy() }
        try Self.seed(cluster)
        try cluster.startAgent(1)
        try cluster.startAgent(2)
        try cluster.expectEventually([(yaToXA, true), (ybToXA, true), (xbToXA, false), (xaToYB, true), (xaToXB, true)], "first sync")
        let api = try cluster.api

        // Admin beats the NetworkPolicy that admits y; the Baseline closes y's pods, which no
        // NetworkPolicy isolates, to x.
        try Self.denyY(api)
        try api.applyClusterPolicy("y-closed", spec: ["tier": "Baseline", "priority": 0, "subject": ["namespaces": Self.named("y")],
                                                      "ingress": [Self.rule("from-x", "Deny", ["namespaces": Self.named("x")])]])
        try cluster.expectEventually([(yaToXA, false), (ybToXA, false), (xbToXA, false), (xaToYB, false), (xbToYA, false), (xaToXB, true)],
                                     "Admin Deny over the NetworkPolicy, Baseline Deny where none isolates")

        // A Pass for y/b evaluated after the Deny changes nothing (its egress Deny shows it is in force);
        // moved before the Deny, y/b is handed to the NetworkPolicy, which admits it.
        try Self.passYB(api, priority: 30)
        try cluster.expectEventually([(xaToXB, false), (ybToXA, false), (yaToXA, false)], "Pass at priority 30, after the Deny at 20")
        try Self.passYB(api, priority: 10)
        try cluster.expectEventually([(ybToXA, true), (yaToXA, false), (xbToXA, false), (xaToXB, false)],
                                     "Pass reprioritised to 10, before the Deny")

        try api.deleteClusterPolicy("deny-y")
        try cluster.expectEventually([(yaToXA, true), (ybToXA, true), (xbToXA, false), (xaToYB, false), (xaToXB, false)],
                                     "Admin Deny deleted")

        try api.serveClusterPolicies(false)
        try cluster.expectEventually([(yaToXA, true), (ybToXA, true), (xbToXA, false), (xaToYB, true), (xbToYA, true), (xaToXB, true)],
                                     "the CRD deleted: every CNP rule leaves, the NetworkPolicy stays")
        let agentLog = try String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)
        #expect(agentLog.contains("no longer served"), "the removal is logged:\n\(cluster.logTails())")
    }

    @Test func theCRDInstalledAfterTheStartIsFollowedWithoutRestart() throws {
        let cluster = try LabCluster(server: .loopback)
        defer { cluster.destroy() }
        try Self.seed(cluster)
        for node in [1, 2] { try cluster.startLoop(node, clusterPolicyRecheck: .milliseconds(300)) }
        try cluster.expectEventually([(yaToXA, true), (ybToXA, true), (xbToXA, false)], "first sync, no CNP API served")

        let api = try cluster.api
        try api.serveClusterPolicies(true)
        try Self.denyY(api)
        try cluster.expectEventually([(yaToXA, false), (ybToXA, false), (xbToXA, false)], "the CRD and a CNP Deny arrive, no restart")

        try api.serveClusterPolicies(false)
        try cluster.expectEventually([(yaToXA, true), (ybToXA, true), (xbToXA, false)], "the CRD deleted: its rules leave")
    }

    /// Admin, priority 20, for x/a: ingress from namespace y is denied.
    static func denyY(_ api: FakeAPIServer) throws {
        try api.applyClusterPolicy("deny-y", spec: ["tier": "Admin", "priority": 20, "subject": subjectXA,
                                                    "ingress": [rule("from-y", "Deny", ["namespaces": named("y")])]])
    }

    /// Admin, for x/a: ingress from y/b is passed to the NetworkPolicy tier; egress to x's pods without
    /// an app label (x/b) is denied.
    static func passYB(_ api: FakeAPIServer, priority: Int) throws {
        let yb: [String: Any] = ["pods": ["namespaceSelector": named("y"), "podSelector": ["matchLabels": ["role": "b"]]]]
        let unlabelledX: [String: Any] = ["pods": ["namespaceSelector": named("x"),
                                                   "podSelector": ["matchExpressions": [["key": "app", "operator": "DoesNotExist"]]]]]
        try api.applyClusterPolicy("pass-y-b", spec: ["tier": "Admin", "priority": priority, "subject": subjectXA,
                                                      "ingress": [rule("y-b", "Pass", yb)],
                                                      "egress": [["name": "unlabelled-x", "action": "Deny", "to": [unlabelledX]]]])
    }

    static var subjectXA: [String: Any] { ["pods": ["namespaceSelector": named("x"), "podSelector": ["matchLabels": ["app": "a"]]]] }

    static func named(_ namespace: String) -> [String: Any] {
        ["matchLabels": ["kubernetes.io/metadata.name": namespace]]
    }

    static func rule(_ name: String, _ action: String, _ from: [String: Any]) -> [String: Any] {
        ["name": name, "action": action, "from": [from]]
    }
}
