@testable import Agent
import ClusterModel
import Compiler
import FakeAPIServerSupport
import Foundation
import IPAddressing
import NetnsLab
import NftNetlink
import Testing
import TestSupport

/// `--log-denied` with the agent binary following the fake API server, checked with real packets: one
/// JSON line per denied connection attempt, naming pods, policies and direction; a flood logged no faster
/// than the rate allows, the rest counted as suppressed; enforcement the same throughout. Needs root.
@Suite(.serialized)
struct DenyLogLabTests {
    static let metricsAddress = "127.0.0.1:19810"
    static let rate = 5, burst = 50

    /// y's pods admit only pods labelled role=client, of any namespace (x/b); node 2 logs what it denies.
    private static func cluster() throws -> LabCluster {
        let cluster = try LabCluster()
        try cluster.namespace("x")
        try cluster.namespace("y")
        try cluster.pod("x/a", labels: [:])
        try cluster.pod("x/b", labels: ["role": "client"])
        try cluster.pod("y/a", labels: [:])
        try cluster.pod("y/b", labels: [:])
        try cluster.policy("y", "default-deny", selector: [:], from: [])
        try cluster.policy("y", "allow-client", selector: [:], from: [["namespaceSelector": [:], "podSelector": ["matchLabels": ["role": "client"]]]])
        try cluster.startAgent(1)
        return cluster
    }

    private static func startLoggingAgent(_ cluster: LabCluster) throws {
        try cluster.startAgent(2, extra: ["--log-denied", "--log-denied-rate", "\(rate)", "--log-format", "json",
                                          "--metrics-address", metricsAddress])
    }

    /// Lines written for one denied attempt to `port`, awaited for up to 1 s.
    private static func awaitDenyLine(_ cluster: LabCluster, port: UInt16) throws -> [[String: Any]] {
        _ = try cluster.lab.probe([Probe(from: "x/a", to: "y/b", port: port, proto: .tcp, family: .v4)])
        var lines: [[String: Any]] = []
        _ = try eventually(within: .seconds(1), every: .milliseconds(20)) {
            lines = try denyLines(cluster, port: port)
            return !lines.isEmpty
        }
        return lines
    }

    /// The deny lines agent 2 has written for destination port `port` (each step of the test uses its own).
    private static func denyLines(_ cluster: LabCluster, port: UInt16) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(cluster.directory)/agent-2.log"))
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  object["message"] as? String == "denied",
                  (object["metadata"] as? [String: Any])?["port"] as? String == "\(port)" else { return nil }
            return object
        }
    }

    private static let enforced: [(probes: [Probe], allowed: Bool)] = [
        (LabCluster.probes("x/a", "y/b"), false), (LabCluster.probes("x/b", "y/b"), true), (LabCluster.probes("x/b", "y/a"), true),
    ]

    @Test func deniedProbesAreLoggedOnceAndFloodsWithinTheRate() throws {
        let cluster = try Self.cluster()
        defer { cluster.destroy() }
        try Self.startLoggingAgent(cluster)
        try cluster.expectEventually(Self.enforced, "y admits only role=client")
        let target = cluster.lab.address(of: "y/b", family: .v4)

        // One connection attempt to port 81 (the reject answers its SYN at once: no retransmission).
        let started = ContinuousClock.now
        var lines = try Self.awaitDenyLine(cluster, port: 81)
        print("deny log latency: probe sent to line read \(ContinuousClock.now - started)")
        #expect(!lines.isEmpty, "a line within 1 s\n\(cluster.logTails())")
        // No second line for the same attempt, for as long as a retransmission would take.
        let deadline = ContinuousClock.now + .milliseconds(1200)
        while ContinuousClock.now < deadline, lines.count == 1 { lines = try Self.denyLines(cluster, port: 81) }
        #expect(lines.count == 1, "\(lines)")
        let line = try #require(lines.first)
        print("deny log line: \(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))")
        let fields = try #require(line["metadata"] as? [String: Any])
        #expect(fields["node"] as? String == cluster.lab.nodeName(2))
        #expect(fields["direction"] as? String == "ingress")
        #expect(fields["source"] as? String == cluster.lab.address(of: "x/a", family: .v4) && fields["destination"] as? String == target)
        #expect(fields["source_pod"] as? String == "x/a" && fields["destination_pod"] as? String == "y/b")
        #expect(fields["protocol"] as? String == "TCP")
        #expect(fields["policies"] as? [String] == ["y/allow-client", "y/default-deny"])
        #expect(fields["reason"] as? String == "no rule of y/allow-client, y/default-deny admits")

        // A flood of denied SYNs to port 82, each a new connection, as fast as one process sends them.
        let flood = 1000
        let floodStarted = ContinuousClock.now
        let sent = try cluster.lab.run(inNode: 1, ["ip", "netns", "exec", cluster.lab.podNamespace("x/a"), "python3", "-c", """
            import socket
            for _ in range(\(flood)):
                s = socket.socket(); s.setblocking(False); s.connect_ex(("\(target)", 82)); s.close()
            """])
        #expect(sent.status == 0, "\(sent)")
        // Enforcement is unchanged during and after the flood.
        try cluster.expectEventually(Self.enforced, "the same verdicts after the flood")
        let metrics = try eventually(within: .seconds(15), every: .milliseconds(500)) {
            let exposition = (try? cluster.httpGet(node: 2, Self.metricsAddress, "/metrics")) ?? ""
            return (Exposition.value(exposition, "netpol_agent_deny_log_suppressed_packets_total") ?? 0) > 0
        }
        #expect(metrics, "the suppressed counter moves")
        let elapsed = ContinuousClock.now - floodStarted
        let floodLines = try Self.denyLines(cluster, port: 82)
        let allowed = Double(Self.rate) * (Double(elapsed.components.seconds) + 1) + Double(Self.burst)
        #expect(Double(floodLines.count) <= allowed, "\(floodLines.count) lines in \(elapsed), at most \(allowed)")
        #expect(floodLines.count < flood / 2, "most of the flood was not logged")
        print("deny log flood: \(flood) SYNs, \(floodLines.count) lines logged in \(elapsed)")
    }

    /// Another listener holds the group when the agent starts: it enforces all the same, says why it does
    /// not log, and logs once the group is free.
    @Test func aBusyGroupDelaysLogsNotEnforcement() throws {
        let cluster = try Self.cluster()
        defer { cluster.destroy() }
        let log = "\(cluster.directory)/agent-2.log"
        do {
            let squatter = try NflogSocket(group: DenyLogging.defaultGroup, namespace: cluster.lab.nodeNamespace(2))
            try Self.startLoggingAgent(cluster)
            try cluster.expectEventually(Self.enforced, "enforced while the group is busy")
            #expect(try eventually(within: .seconds(5)) { try String(contentsOfFile: log, encoding: .utf8).contains("unreadable, retrying") })
            withExtendedLifetime(squatter) {}
        }
        // The squatter's socket is closed; the agent retries every 10 s.
        #expect(try eventually(within: .seconds(15), every: .milliseconds(500)) { !(try Self.awaitDenyLine(cluster, port: 83)).isEmpty },
                "\(cluster.logTails())")
    }

    /// A ClusterNetworkPolicy Deny, compiled for node 2 of a lab and programmed there, read through the
    /// group as the agent reads it: the line names the tier and the rule. (This branch's fake API server
    /// does not serve ClusterNetworkPolicies yet, so the compiler stands in for the agent's watch.)
    @Test func clusterPolicyDenyIsLoggedWithItsTierAndRule() throws {
        let lab = try Lab(pods: LabCluster.pods)
        defer { lab.destroy() }
        let team = { (name: String) in LabelSelector(requirements: [.init(key: "team", op: .in([name]))]) }
        let deny = ClusterNetworkPolicy(name: "deny-x-to-y", tier: .admin, priority: 5, subject: .namespaces(team("y")),
                                        ingress: [ClusterPolicyRule(name: "from-x", action: .deny, peers: [.namespaces(team("x"))])])
        var compiler = NodeCompiler(node: lab.nodeName(2), options: CompilerOptions(denyAction: .reject, denyLogging: DenyLogging()))
        for name in ["x", "y"] { compiler.upsert(Namespace(name: name, labels: ["team": name])) }
        for spec in LabCluster.pods {
            let parts = spec.name.split(separator: "/").map(String.init)
            let addresses = LabFamily.allCases.map { IPAddress(lab.address(of: spec.name, family: $0))! }
            compiler.upsert(Pod(namespace: parts[0], name: parts[1], nodeName: lab.nodeName(spec.node), addresses: addresses))
        }
        compiler.upsert(deny)
        try KernelProgrammer(tableName: "netpol-agent", netns: lab.nodeNamespace(2)).apply(compiler.ruleset())
        let context = try #require(compiler.denyLogContext)
        let socket = try NflogSocket(group: DenyLogging.defaultGroup, namespace: lab.nodeNamespace(2))

        #expect(try lab.probe([Probe(from: "x/a", to: "y/b", port: 81, proto: .tcp, family: .v4),
                               Probe(from: "y/a", to: "y/b", port: 81, proto: .tcp, family: .v4)]) == [false, true])
        var packets: [LoggedPacket] = []
        #expect(try eventually(within: .seconds(1)) {
            if case .packets(let more) = try socket.next(waitingUpTo: 50) { packets += more }
            return !packets.isEmpty
        })
        let denied = DeniedConnection(try #require(packets.first), in: context)
        #expect(denied.reason == "ClusterNetworkPolicy deny-x-to-y (Admin) ingress[0] 'from-x' denies")
        #expect(denied.sourcePod?.name == "a" && denied.sourcePod?.namespace == "x")
        #expect(denied.destinationPod?.name == "b" && denied.destinationPod?.namespace == "y")
        #expect(denied.metadata["tier"] == "Admin" && denied.metadata["rule_name"] == "from-x" && denied.metadata["rule_index"] == "0")
    }
}
