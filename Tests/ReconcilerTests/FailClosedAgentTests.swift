import FakeAPIServerSupport
import Foundation
import NetnsLab
import TestSupport
import Testing

/// Faults on the API path, with the agent binary on both lab nodes and real packets: what a policy
/// meant to close stays closed. Needs root; fails, never skips, without it.
@Suite(.serialized)
struct FailClosedAgentTests {
    static let metricsAddress = "127.0.0.1:19809"

    /// Failure modes closed: (1) a new policy the agent cannot read was skipped, so the pods it
    /// selects stayed open; (2) while one kind relisted, nothing was applied, so a pods relist that
    /// kept failing froze policy changes, and health said nothing about it.
    @Test func unreadablePolicyIsolatesAndAFailingPodsRelistFreezesOnlyPods() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try AgentEndToEndTests.seed(cluster)
        try cluster.deletePolicy("x", "protect-a")
        try cluster.startAgent(1, extra: ["--metrics-address", Self.metricsAddress, "--api-unreachable-timeout", "2s"])
        try cluster.startAgent(2)
        let toXA = LabCluster.probes("y/a", "x/a") + LabCluster.probes("y/b", "x/a")
        let toXB = LabCluster.probes("y/a", "x/b") + LabCluster.probes("y/b", "x/b")
        try cluster.expectEventually([(toXA, true), (toXB, true)], "no policy yet")

        // The API server stores policies the agent cannot read (here an unknown protocol).
        try cluster.api.apply([
            "kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "allow-icmp", "namespace": "x"],
            "spec": ["podSelector": ["matchLabels": ["app": "a"]], "ingress": [["ports": [["protocol": "ICMP"]]]]],
        ])
        try cluster.expectEventually([(toXA, false), (toXB, true)], "x/a isolated by the unreadable policy")

        // Every pods WATCH is told 410 and every pods LIST fails from now on: pods relist, and keep failing.
        try cluster.api.send(["op": "fail", "status": 410, "count": 100_000, "verb": "watch", "resource": "pods"])
        try cluster.api.send(["op": "fail", "status": 500, "count": 100_000, "verb": "list", "resource": "pods"])
        try cluster.api.send(["op": "drop-watches"])
        try cluster.policy("x", "protect-b", selector: ["role": "client"], from: [])
        try cluster.expectEventually([(toXB, false), (toXA, false)], "a policy change during a failing pods relist")

        var health = ""
        _ = try eventually(within: .seconds(20), every: .milliseconds(200)) {
            health = try http(cluster, "/healthz")
            return health.contains("pods")
        }
        #expect(health.contains("API server unreachable for pods"), "\(health)")

        try cluster.api.send(["op": "clear-faults"])
        #expect(try eventually(within: .seconds(20), every: .milliseconds(200)) { try http(cluster, "/healthz").hasPrefix("ok") },
                "healthy again once the relist completes")
    }

    private func http(_ cluster: LabCluster, _ path: String) throws -> String {
        try cluster.httpGet(node: 1, Self.metricsAddress, path)
    }
}
