import Foundation
import NetnsLab
import Testing
import TestSupport

/// The agent as operators run it: started the way the systemd unit starts it (NOTIFY_SOCKET set), with
/// metrics and health endpoints that follow what it does, SIGTERM leaving the rules in force, and
/// `agent cleanup` removing them. Needs root; fails, never skips, without it.
@Suite(.serialized)
struct AgentOperationsTests {
    static let metricsAddress = "127.0.0.1:19808"

    @Test func readyMetricsSignalAndCleanup() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try cluster.namespace("x")
        try cluster.pod("x/a", labels: ["app": "a"])
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.pod("y/a", labels: [:])
        try cluster.policy("x", "protect-a", selector: ["app": "a"], from: [["podSelector": ["matchLabels": ["role": "client"]]]])

        let notify = try NotifySocket(directory: cluster.directory)
        try cluster.startAgent(1, extra: ["--metrics-address", Self.metricsAddress], environment: ["NOTIFY_SOCKET": notify.path])
        let ready = notify.wait(for: "READY=1", timeout: .seconds(30))
        #expect(ready.found, "READY=1 after the first sync; got \(ready.seen)")
        #expect(try http(cluster, "/readyz").hasPrefix("ok"))
        #expect(try http(cluster, "/healthz").hasPrefix("ok"))

        var metrics = try http(cluster, "/metrics")
        #expect(value(metrics, "netpol_agent_programmed_policies") == 1)
        #expect(value(metrics, "netpol_agent_programmed_pods") == 3)
        #expect(value(metrics, #"netpol_agent_apply_duration_seconds_count{mode="full"}"#) == 1)
        #expect((value(metrics, "netpol_agent_programmed_set_elements") ?? 0) > 0)

        // A rule someone else adds to the agent's table is gone within 1 s, undone from its notification
        // (counted as a targeted repair, logged with the committing program).
        let list = ["nft", "list", "table", "inet", "netpol-agent"]
        let programmed = try cluster.lab.run(inNode: 1, list).stdout
        let added = ContinuousClock.now
        #expect(try cluster.lab.run(inNode: 1, ["nft", "add", "rule", "inet", "netpol-agent", "forward_hook", "accept"]).status == 0)
        #expect(try eventually(within: .seconds(2), every: .milliseconds(5)) { try cluster.lab.run(inNode: 1, list).stdout == programmed },
                "the foreign rule is undone")
        #expect(ContinuousClock.now - added < .seconds(1), "undone after \(ContinuousClock.now - added)")
        metrics = try self.metrics(cluster, within: .seconds(5)) { (value($0, #"netpol_agent_table_repairs_total{reason="targeted"}"#) ?? 0) >= 1 }
        #expect(value(metrics, #"netpol_agent_table_repairs_total{reason="targeted"}"#) == 1)
        #expect(cluster.logTails().contains("foreign change to table inet netpol-agent by nft["), "\(cluster.logTails())")

        // Traffic the policy allows (x/b) and denies (y/a) shows in its named counters, read every 10 s.
        let probes = [Probe(from: "x/b", to: "x/a", port: 80, proto: .tcp, family: .v4),
                      Probe(from: "y/a", to: "x/a", port: 80, proto: .tcp, family: .v4)]
        #expect(try cluster.lab.probe(probes, timeout: .seconds(1)) == [true, false])
        metrics = try self.metrics(cluster, within: .seconds(25)) {
            (policyPackets($0, "protect-a", "allowed") ?? 0) > 0 && (policyPackets($0, "protect-a", "denied") ?? 0) > 0
        }
        #expect((policyPackets(metrics, "protect-a", "allowed") ?? 0) > 0, "allowed packets of x/protect-a")
        #expect((policyPackets(metrics, "protect-a", "denied") ?? 0) > 0, "denied packets of x/protect-a")

        // A second policy on x/a (the pod on node 1): an incremental apply, and a latency from the
        // event to the kernel.
        try cluster.policy("x", "protect-b", selector: ["app": "a"], from: [])
        metrics = try self.metrics(cluster, within: .seconds(15)) { value($0, "netpol_agent_programmed_policies") == 2 }
        #expect(value(metrics, "netpol_agent_programmed_policies") == 2)
        #expect((value(metrics, #"netpol_agent_apply_duration_seconds_count{mode="incremental"}"#) ?? 0) >= 1)
        #expect((value(metrics, "netpol_agent_event_to_kernel_latency_seconds_count") ?? 0) >= 1)

        // An invalid object is counted as rejected.
        try cluster.policy("x", "broken", selector: ["app": "a"], from: [], policyTypes: ["Sideways"])
        metrics = try self.metrics(cluster, within: .seconds(15)) {
            (value($0, #"netpol_agent_rejected_objects_total{kind="NetworkPolicy"}"#) ?? 0) >= 1
        }
        #expect((value(metrics, #"netpol_agent_rejected_objects_total{kind="NetworkPolicy"}"#) ?? 0) >= 1)

        // SIGTERM: a clean exit, STOPPING=1, and the table stays in force.
        #expect(cluster.stopAgent(1) == 0)
        #expect(notify.wait(for: "STOPPING=1", timeout: .seconds(5)).found)
        #expect(try cluster.lab.run(inNode: 1, ["nft", "list", "table", "inet", "netpol-agent"]).status == 0)

        let cleanup = try cluster.lab.run(inNode: 1, [AgentProcess.binary, "cleanup"])
        #expect(cleanup.status == 0 && cleanup.stdout.hasPrefix("removed table inet netpol-agent: "), "\(cleanup.stdout)\(cleanup.stderr)")
        #expect(try cluster.lab.run(inNode: 1, ["nft", "list", "table", "inet", "netpol-agent"]).status != 0)
        let again = try cluster.lab.run(inNode: 1, [AgentProcess.binary, "cleanup"])
        #expect(again.status == 0 && again.stdout.contains("not present"))
    }

    /// Without CAP_NET_ADMIN the agent says what it lacks and exits non-zero, for --once and cleanup alike.
    @Test func missingCapabilityIsExplained() throws {
        let lab = try Lab(pods: [LabPodSpec(name: "x/a", node: 1)])
        defer { lab.destroy() }
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/cluster").path
        let unprivileged = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", AgentProcess.binary]
        for arguments in [["--once", "--manifests", examples, "--node", "node-1"], ["cleanup"]] {
            let result = try lab.run(inNode: 1, unprivileged + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains("programming nftables needs CAP_NET_ADMIN"), "\(arguments): \(result.stderr)")
        }
    }

    /// /metrics, fetched every 200 ms until `condition` holds on it or `timeout` passes: the last one.
    private func metrics(_ cluster: LabCluster, within timeout: Duration, until condition: (String) -> Bool) throws -> String {
        var metrics = ""
        _ = try eventually(within: timeout, every: .milliseconds(200)) {
            metrics = try http(cluster, "/metrics")
            return condition(metrics)
        }
        return metrics
    }

    private func http(_ cluster: LabCluster, _ path: String) throws -> String {
        try cluster.httpGet(node: 1, Self.metricsAddress, path)
    }

    /// `netpol_agent_policy_packets_total` of one policy of namespace x, ingress, for a verdict.
    private func policyPackets(_ exposition: String, _ policy: String, _ verdict: String) -> Double? {
        let labels = [#"namespace="x""#, #"policy="\#(policy)""#, #"tier="NetworkPolicy""#, #"direction="ingress""#, #"verdict="\#(verdict)""#]
        for line in exposition.split(separator: "\n") where line.hasPrefix("netpol_agent_policy_packets_total{") {
            guard labels.allSatisfy({ line.contains($0) }), let value = line.split(separator: " ").last else { continue }
            return Double(value)
        }
        return nil
    }

    private func value(_ exposition: String, _ sample: String) -> Double? { Exposition.value(exposition, sample) }
}
