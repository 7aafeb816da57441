import FakeAPIServerSupport
import Foundation
import NetnsLab
import Testing
import TestSupport

/// `--unknown-pod-ips deny` and `--node-egress policy` with the agent binary following the fake API
/// server, checked with real packets. Needs root; fails, never skips, without it.
@Suite(.serialized)
struct NodeModesLabTests {
    static let metricsAddress = "127.0.0.1:19809"

    /// The lab node's Node object: its pod CIDRs (LabPlan: 10.244.k.0/24, fd00:10:244:k::/64) and addresses.
    static func node(_ cluster: LabCluster, _ number: Int) throws {
        let lab = cluster.lab
        try cluster.api.apply([
            "kind": "Node", "apiVersion": "v1", "metadata": ["name": lab.nodeName(number)],
            "spec": ["podCIDR": "10.244.\(number).0/24", "podCIDRs": ["10.244.\(number).0/24", "fd00:10:244:\(number)::/64"]],
            "status": ["addresses": [["type": "InternalIP", "address": lab.nodeAddress(number, family: .v4)],
                                     ["type": "InternalIP", "address": lab.nodeAddress(number, family: .v6)],
                                     ["type": "Hostname", "address": lab.nodeName(number)]]],
        ])
    }

    // Fails on the code before strict mode: the agent exits with "Unknown option '--unknown-pod-ips'";
    // with the flag ignored, y/a (unknown to the API server) would pass.
    @Test func unknownPodAddressesAreDroppedUntilThePodIsKnown() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try cluster.namespace("x")
        try cluster.namespace("y")
        try cluster.pod("x/a", labels: [:])
        try cluster.pod("x/b", labels: [:])
        // y/a (node 1, strict) and y/b (node 2, default) send before the API server knows them.
        try cluster.startAgent(1, extra: ["--unknown-pod-ips", "deny", "--metrics-address", Self.metricsAddress])
        try cluster.startAgent(2)

        // No Node object yet: said loudly, and nothing is dropped rather than everything.
        let unenforced = try eventually(within: .seconds(15), every: .milliseconds(200)) {
            // The endpoint comes up with the agent: not answering yet is not a failure.
            (try? self.metrics(cluster)).flatMap { Exposition.value($0, "netpol_agent_unknown_pod_ips_unenforced") } == 1
        }
        #expect(unenforced, "the metric says strict mode is not enforced")
        try cluster.expectEventually([(LabCluster.probes("y/a", "x/a"), true)], "no pod CIDRs known: unknown pods pass")
        let log = try String(contentsOfFile: "\(cluster.directory)/agent-1.log", encoding: .utf8)
        #expect(log.contains("--unknown-pod-ips deny is NOT enforced"), "the log says so")

        try Self.node(cluster, 1)
        let unknownOnNode1 = LabCluster.probes("y/a", "x/a") + LabCluster.probes("x/a", "y/a") + LabCluster.probes("y/a", "x/b")
        try cluster.expectEventually([(unknownOnNode1, false), (LabCluster.probes("x/a", "x/b"), true),
                                      (LabCluster.probes("y/b", "x/b"), true)],
                                     "strict on node 1: unknown y/a dropped both ways; known pods pass; node 2 allows unknown y/b")
        #expect(Exposition.value(try metrics(cluster), "netpol_agent_unknown_pod_ips_unenforced") == 0)

        // The window, three times: a connection y/a opens while unknown, and the API write that
        // reports y/a's address some time later (as the kubelet does).
        var windows: [(agent: Duration, connect: Duration)] = []
        for round in 1...3 {
            windows.append(try measureWindow(cluster, round: round))
            try cluster.expectEventually([(unknownOnNode1, true)], "y/a known")
            try cluster.api.delete(kind: "Pod", namespace: "y", name: "a")
            try cluster.expectEventually([(unknownOnNode1, false)], "y/a deleted: unknown again")
        }
        print("unknown-pod window: API write to first allowed probe \(windows.map(\.agent)); "
              + "connect opened 300 ms before the write, connected after \(windows.map(\.connect))")
        #expect(windows.allSatisfy { $0.agent < .seconds(2) }, "a newly known pod gets through promptly: \(windows)")
    }

    /// `agent`: from the API write reporting y/a to its first probe getting through. `connect`: a TCP
    /// connect y/a started 300 ms before that write (the kubelet's delay, simulated) takes this long:
    /// its SYN is dropped until then, and the kernel resends it after 1 s, then 2 s more.
    private func measureWindow(_ cluster: LabCluster, round: Int) throws -> (agent: Duration, connect: Duration) {
        let target = cluster.lab.address(of: "x/b", family: .v4)
        let connect = Process()
        connect.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        connect.arguments = ["ip", "netns", "exec", cluster.lab.podNamespace("y/a"), "timeout", "8", "bash", "-c",
                             "exec 3<>/dev/tcp/\(target)/80"]
        let opened = ContinuousClock.now
        try connect.run()
        // The simulated kubelet delay is the scenario itself, not a wait for a condition.
        Thread.sleep(forTimeInterval: 0.3)
        let reported = ContinuousClock.now
        try cluster.pod("y/a", labels: ["round": "\(round)"])
        var agent: Duration?
        _ = try eventually(within: .seconds(10), every: .milliseconds(1)) {
            let passed = try cluster.lab.probe(LabCluster.probes("y/a", "x/b"), timeout: .milliseconds(20)).allSatisfy { $0 }
            if passed { agent = ContinuousClock.now - reported }
            return passed
        }
        connect.waitUntilExit()
        #expect(connect.terminationStatus == 0, "the connect opened while y/a was unknown succeeds once it is known")
        return (try #require(agent, "y/a never got through once known"), ContinuousClock.now - opened)
    }

    // Fails on the code before --node-egress: "Unknown option '--node-egress'"; without an input
    // hook, egress to the node passed whatever the policy.
    @Test func egressToTheOwnNodeIsJudgedByEgressPolicies() throws {
        let cluster = try LabCluster()
        defer { cluster.destroy() }
        try cluster.namespace("x")
        try cluster.pod("x/a", labels: ["app": "a"])
        try cluster.pod("x/b", labels: [:])
        // The server in node 1's namespace: the fake API server itself (its /healthz needs no token).
        let serverURL = try #require(cluster.server).ready.url
        let server = try #require(URLComponents(string: serverURL))
        try egressPolicy(cluster, to: [])
        try cluster.startAgent(1, extra: ["--node-egress", "policy"])

        try expectNodeConnect(cluster, server, allowed: false, "egress default-deny with --node-egress policy")
        try cluster.expectEventually([(LabCluster.probes("x/b", "x/a"), true)], "ingress unaffected")
        #expect(try connects(cluster, inNode: 1, to: cluster.lab.address(of: "x/a", family: .v4), port: 80),
                "the node (kubelet probes) still reaches the pod")
        // IPv6 neighbour discovery is untracked, and the pod answers the node's solicitation from its
        // own address: that advertisement must not meet the pod's egress policy, or the node loses the
        // pod. The lab's neighbour entries are permanent: this one is dropped, so the node must resolve.
        let podV6 = cluster.lab.address(of: "x/a", family: .v6)
        _ = try cluster.lab.run(inNode: 1, ["ip", "-6", "neigh", "flush", "to", podV6, "nud", "all"])
        #expect(try connects(cluster, inNode: 1, to: podV6, port: 80), "the node resolves the pod's IPv6 address and reaches it")
        try egressPolicy(cluster, to: [["ipBlock": ["cidr": "\(cluster.lab.nodeAddress(1, family: .v4))/32"]]])
        try expectNodeConnect(cluster, server, allowed: true, "an ipBlock naming the node address")

        try egressPolicy(cluster, to: [])
        #expect(cluster.stopAgent(1) == 0)
        try cluster.startAgent(1)
        try expectNodeConnect(cluster, server, allowed: true, "the default: egress to the own node is always allowed")
    }

    private func egressPolicy(_ cluster: LabCluster, to peers: [[String: Any]]) throws {
        try cluster.api.apply([
            "kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "egress", "namespace": "x"],
            "spec": ["podSelector": ["matchLabels": ["app": "a"]], "policyTypes": ["Egress"],
                     "egress": peers.isEmpty ? [] : [["to": peers]]],
        ])
    }

    private func expectNodeConnect(_ cluster: LabCluster, _ server: URLComponents, allowed: Bool, _ comment: Comment,
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pod = cluster.lab.podNamespace("x/a")
        let settled = try eventually(within: .seconds(15), every: .milliseconds(200)) {
            try connects(cluster, inNode: 1, to: server.host ?? "", port: server.port ?? 0, fromPodNamespace: pod) == allowed
        }
        #expect(settled, "\(comment): x/a to node 1 at \(server.string ?? "") should be \(allowed ? "allowed" : "denied")", sourceLocation: sourceLocation)
    }

    /// A TCP connect within 1 s, from node `node`'s namespace or a pod's.
    private func connects(_ cluster: LabCluster, inNode node: Int, to host: String, port: Int,
                          fromPodNamespace pod: String? = nil) throws -> Bool {
        let connect = ["timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/\(host)/\(port)"]
        return try cluster.lab.run(inNode: node, (pod.map { ["ip", "netns", "exec", $0] } ?? []) + connect).status == 0
    }

    private func metrics(_ cluster: LabCluster) throws -> String { try cluster.httpGet(node: 1, Self.metricsAddress, "/metrics") }
}
