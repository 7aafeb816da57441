@testable import Agent
import Foundation
import Logging
import NetnsLab
import Observability
import Testing
import TestSupport

/// kube-proxy's IPVS mode is unsupported; the agent must notice its state on the node. This kernel
/// has no IPVS, so /proc/net/ip_vs is faked (a path parameter) and `kube-ipvs0` is a bridge so named
/// inside a lab node.
@Suite(.serialized)
struct IPVSCheckTests {
    /// What ip_vs_info_seq_show (net/netfilter/ipvs/ip_vs_ctl.c) prints for three virtual services.
    static let tableWithServices = """
        IP Virtual Server version 1.2.1 (size=4096)
        Prot LocalAddress:Port Scheduler Flags
          -> RemoteAddress:Port Forward Weight ActiveConn InActConn
        TCP  0A600001:01BB rr
          -> C0A80A0B:192B      Masq    1      0          0
          -> C0A80A0C:192B      Masq    1      3          1
        UDP  [fd00:0096:0000:0000:0000:0000:0000:000a]:0035 rr
          -> [fd00:0010:0244:0001:0000:0000:0000:0002]:0035      Masq    1      0          0
        FWM  00000001 rr

        """

    static let emptyTable = """
        IP Virtual Server version 1.2.1 (size=4096)
        Prot LocalAddress:Port Scheduler Flags
          -> RemoteAddress:Port Forward Weight ActiveConn InActConn

        """

    @Test("virtual services in /proc/net/ip_vs are found and counted")
    func virtualServicesFound() throws {
        let findings = try Self.check(proc: Self.tableWithServices).inspect()
        #expect(findings == IPVSFindings(virtualServices: 3, link: nil))
        #expect(findings.warning?.contains("kube-proxy's IPVS mode is unsupported (found 3 IPVS virtual services in /proc/net/ip_vs)") == true,
                "\(findings.warning ?? "no warning")")
    }

    @Test("IPVS loaded without virtual services, or no IPVS at all, is no finding")
    func nothingFound() throws {
        #expect(try Self.check(proc: Self.emptyTable).inspect() == IPVSFindings(virtualServices: 0, link: nil))
        let absent = IPVSCheck(procFile: NSTemporaryDirectory() + "no-such-ip_vs-\(UUID().uuidString)", linkName: "no-such-link0")
        #expect(absent.inspect() == IPVSFindings(virtualServices: 0, link: nil))
        #expect(absent.inspect().warning == nil)
    }

    @Test("the check sets the IPVS metrics")
    func metricsFollowTheCheck() throws {
        let metrics = AgentMetrics()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try Self.check(proc: Self.tableWithServices).report(to: logger, metrics: metrics)
        #expect(Exposition.value(metrics.exposition(), "netpol_agent_ipvs_detected") == 1)
        #expect(Exposition.value(metrics.exposition(), "netpol_agent_ipvs_virtual_services") == 3)
        try Self.check(proc: Self.emptyTable).report(to: logger, metrics: metrics)
        #expect(Exposition.value(metrics.exposition(), "netpol_agent_ipvs_detected") == 0)
    }

    /// The running agent: a node with a `kube-ipvs0` link logs the warning at startup and exports the
    /// metric; a node without it stays quiet.
    @Test("the agent warns about a kube-ipvs0 link on its node")
    func agentWarnsAboutTheLink() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try cluster.namespace("x")
        let added = try cluster.lab.run(inNode: 1, ["ip", "link", "add", "kube-ipvs0", "type", "bridge"])
        #expect(added.status == 0, "\(added.stderr)")
        for node in 1...2 { try cluster.startAgent(node, extra: ["--metrics-address", Self.metricsAddress]) }
        for (node, expected) in [(1, 1.0), (2, 0.0)] {
            // The gauge reads 0 until the first round checks the node's paths, which happens before the
            // first table is written: read it once the agent logged that its sync is in the kernel.
            let synced = eventually(within: .seconds(20), every: .milliseconds(200)) {
                (try? String(contentsOfFile: "\(cluster.directory)/agent-\(node).log", encoding: .utf8))?.contains("synced:") == true
            }
            #expect(synced, "node \(node)'s agent did not log its first sync")
            var metric: Double?
            _ = eventually(within: .seconds(20), every: .milliseconds(200)) {
                metric = (try? cluster.httpGet(node: node, Self.metricsAddress, "/metrics")).flatMap { Exposition.value($0, "netpol_agent_ipvs_detected") }
                return metric != nil
            }
            #expect(metric == expected, "netpol_agent_ipvs_detected on node \(node)")
        }
        let log1 = try String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)
        #expect(log1.contains("kube-proxy's IPVS mode is unsupported (found link kube-ipvs0)"), "node 1's log:\n\(log1)")
        let log2 = try String(contentsOfFile: "\(cluster.directory)/agent-2.log", encoding: .utf8)
        #expect(!log2.contains("IPVS"), "node 2's log:\n\(log2)")
    }

    static let metricsAddress = "127.0.0.1:19809"

    private static func check(proc text: String) throws -> IPVSCheck {
        let path = NSTemporaryDirectory() + "ip_vs-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return IPVSCheck(procFile: path, linkName: "no-such-link0")
    }
}
