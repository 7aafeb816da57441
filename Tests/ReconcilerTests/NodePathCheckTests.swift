import Foundation
import NetnsLab
import Testing
import TestSupport

/// The agent's node check on a bridged lab node (pods on `cni0`), run as operators run the agent. With
/// br_netfilter's bridge-nf-call sysctls at 0, the node's pods reach each other past every hook of the
/// agent: it must say so (log, metric) and not be ready. With them at 1, it is ready and reports nothing.
@Suite(.serialized)
struct NodePathCheckTests {
    static let metricsAddress = "127.0.0.1:19809"
    static let settings = ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"]

    @Test func bridgeHooksOffMakeTheAgentUnready() throws {
        let cluster = try LabCluster(topology: .bridged)
        defer { cluster.destroy() }
        try cluster.namespace("x")
        try cluster.namespace("y")
        for pod in ["x/a", "y/a"] { try cluster.pod(pod, labels: [:]) }
        try cluster.policy("x", "deny-all", selector: [:], from: [])

        try cluster.lab.setBridgeHooks(enabled: false)
        try cluster.startAgent(1, extra: ["--metrics-address", Self.metricsAddress])
        let metrics = try self.metrics(cluster) { exposition in Self.settings.allSatisfy { Self.gauge(exposition, $0) == 1 } }
        for setting in Self.settings {
            #expect(Self.gauge(metrics, setting) == 1, "gauge for cni0 and \(setting)\n\(cluster.logTails())")
        }
        let readiness = try http(cluster, "/readyz")
        #expect(!readiness.hasPrefix("ok") && readiness.contains("cni0") && readiness.contains("bridge-nf-call-ip6tables"), "\(readiness)")
        let log = (try? String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)) ?? ""
        #expect(log.contains("bridge cni0") && log.contains("net.bridge.bridge-nf-call-iptables is 0"), "\(cluster.logTails())")
        #expect(try http(cluster, "/healthz").hasPrefix("ok"), "liveness is not affected: a restart would not help")

        #expect(cluster.stopAgent(1) == 0)
        try cluster.lab.setBridgeHooks(enabled: true)
        try cluster.startAgent(1, extra: ["--metrics-address", Self.metricsAddress])
        let ready = eventually(within: .seconds(30), every: .milliseconds(200)) { (try? http(cluster, "/readyz"))?.hasPrefix("ok") == true }
        #expect(ready, "ready with the bridge hooks on\n\(cluster.logTails())")
        let after = try http(cluster, "/metrics")
        #expect(Self.settings.allSatisfy { Self.gauge(after, $0) == nil }, "no unenforced path reported")
    }

    private static func gauge(_ exposition: String, _ setting: String) -> Double? {
        Exposition.value(exposition, #"netpol_agent_node_path_unenforced{bridge="cni0",setting="\#(setting)"}"#)
    }

    /// /metrics, fetched every 200 ms until `condition` holds or 30 s pass: the last one.
    private func metrics(_ cluster: LabCluster, until condition: (String) -> Bool) throws -> String {
        var metrics = ""
        _ = eventually(within: .seconds(30), every: .milliseconds(200)) {
            metrics = (try? http(cluster, "/metrics")) ?? ""
            return condition(metrics)
        }
        return metrics
    }

    private func http(_ cluster: LabCluster, _ path: String) throws -> String {
        try cluster.httpGet(node: 1, Self.metricsAddress, path)
    }
}
