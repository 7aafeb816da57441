import Compiler
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import NetnsLab
import Reconciler
import Testing

/// A lab of two nodes and the fake API server, with an agent per node: inside node 1 (reached by both
/// nodes over the node link) for agent binaries, `ip netns exec NODE agent --kubeconfig … --node …`;
/// or on the root namespace's loopback for reconcile loops run by this process (`startLoop`).
final class LabCluster {
    static let pods = [
        LabPodSpec(name: "x/a", node: 1), LabPodSpec(name: "x/b", node: 2),
        LabPodSpec(name: "y/a", node: 1), LabPodSpec(name: "y/b", node: 2),
    ]

    enum ServerPlacement {
        case labNode, loopback
    }

    let lab: Lab
    let directory: String
    private(set) var server: FakeAPIServer?
    private(set) var agents: [Int: AgentProcess] = [:]
    private var loops: [Int: (stop: StopToken, threads: [WorkerThread])] = [:]
    private let placement: ServerPlacement
    private let serverFlags: [String]
    /// host:port, kept across server restarts so the agents' kubeconfig stays valid.
    private var listen: String

    /// `policyAPI`: the server serves the ClusterNetworkPolicy CRD from the start.
    init(topology: LabTopology = .routed, server placement: ServerPlacement = .labNode, policyAPI: Bool = false) throws {
        lab = try Lab(pods: Self.pods, topology: topology)
        directory = NSTemporaryDirectory() + "agent-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.placement = placement
        serverFlags = (placement == .labNode ? ["--san", lab.nodeAddress(1, family: .v4)] : []) + (policyAPI ? ["--policy-api", "v1alpha2"] : [])
        listen = placement == .labNode ? "\(lab.nodeAddress(1, family: .v4)):0" : "127.0.0.1:0"
        try startServer()
        let url = server!.ready.url
        listen = String(url.dropFirst("https://".count))
    }

    var kubeconfig: String { "\(directory)/kubeconfig" }

    func startServer() throws {
        server = try FakeAPIServer(
            arguments: ["--listen", listen, "--tls-dir", directory, "--token", "e2e-token", "--state", "\(directory)/state.json",
                        "--kubeconfig-out", kubeconfig, "--bookmark-interval", "1"] + serverFlags,
            launcher: placement == .labNode ? ["ip", "netns", "exec", lab.nodeNamespace(1)] : [], log: "\(directory)/apiserver.log")
    }

    func stopServer() {
        server?.stop()
        server = nil
    }

    /// SIGKILL, as when the API server crashes: watches end without a clean close.
    func crashServer() {
        server?.kill()
        server = nil
    }

    func startAgent(_ node: Int, extra: [String] = [], environment: [String: String] = [:]) throws {
        agents[node] = try AgentProcess(namespace: lab.nodeNamespace(node), node: lab.nodeName(node), kubeconfig: kubeconfig,
                                        log: "\(directory)/agent-\(node).log", extra: ["--deny-action", "reject"] + extra,
                                        environment: environment)
    }

    func killAgent(_ node: Int) {
        agents[node]?.kill()
        agents[node] = nil
    }

    /// SIGTERM; returns the exit status.
    func stopAgent(_ node: Int) -> Int32? {
        defer { agents[node] = nil }
        return agents[node]?.terminate()
    }

    /// The agent's reconcile loop in this process, programming node `node` over netlink, with a
    /// ClusterNetworkPolicy discovery recheck of `clusterPolicyRecheck` (the binary's is 60 s). Needs
    /// the server on the loopback.
    func startLoop(_ node: Int, clusterPolicyRecheck: Duration) throws {
        precondition(placement == .loopback, "loops in this process reach only a server on the loopback")
        var sync = NodeSync(connection: try KubeconfigLoader.load(paths: [kubeconfig]), node: lab.nodeName(node),
                            options: CompilerOptions(denyAction: .reject), logger: Logger(label: "loop-\(node)"))
        sync.clusterPolicyTuning.recheckInterval = clusterPolicyRecheck
        let applier = try KernelApplier(tableName: sync.options.tableName, netns: lab.nodeNamespace(node))
        let stop = StopToken()
        loops[node] = (stop, sync.start(applier: applier, stop: stop))
    }

    func destroy() {
        for node in agents.keys { _ = stopAgent(node) }
        for loop in loops.values { loop.stop.stop() }
        for loop in loops.values { loop.threads.forEach { $0.join() } }
        loops = [:]
        stopServer()
        lab.destroy()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The end of every log, for failure messages (the directory goes with the lab).
    func logTails() -> String {
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return logs.map { name in
            let text = (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? ""
            return "--- \(name)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    // MARK: - Objects

    var api: FakeAPIServer {
        get throws {
            guard let server else { throw FakeAPIServerError("the API server is not running") }
            return server
        }
    }

    func namespace(_ name: String, labels: [String: String] = [:]) throws {
        try api.apply(["kind": "Namespace", "apiVersion": "v1", "metadata": ["name": name, "labels": labels]])
    }

    /// A lab pod ("x/a") with both its addresses, on its lab node.
    func pod(_ name: String, labels: [String: String]) throws {
        let parts = name.split(separator: "/").map(String.init)
        let v4 = lab.address(of: name, family: .v4), v6 = lab.address(of: name, family: .v6)
        try api.apply([
            "kind": "Pod", "apiVersion": "v1",
            "metadata": ["name": parts[1], "namespace": parts[0], "labels": labels, "uid": UUID().uuidString,
                         "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["nodeName": lab.nodeName(lab.node(of: name)), "containers": [["name": "c", "ports": [["containerPort": 80, "name": "http"]]]]],
            "status": ["phase": "Running", "podIP": v4, "podIPs": [["ip": v4], ["ip": v6]]],
        ])
    }

    /// Ingress to pods of `namespace` matching `selector`, allowed only from `from` peers.
    func policy(_ namespace: String, _ name: String, selector: [String: String], from: [[String: Any]],
                policyTypes: [String] = ["Ingress"]) throws {
        try api.apply([
            "kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
            "metadata": ["name": name, "namespace": namespace],
            "spec": ["podSelector": ["matchLabels": selector], "policyTypes": policyTypes,
                     "ingress": from.isEmpty ? [] : [["from": from]]],
        ])
    }

    func deletePolicy(_ namespace: String, _ name: String) throws {
        try api.delete(kind: "NetworkPolicy", namespace: namespace, name: name)
    }

    // MARK: - Probes

    /// TCP to port 80 over both families.
    static func probes(_ from: String, _ to: String) -> [Probe] {
        LabFamily.allCases.map { Probe(from: from, to: to, port: 80, proto: .tcp, family: $0) }
    }

    /// Probes until every probe gets its expected result, for at most `timeout`.
    func expectEventually(_ expected: [(probes: [Probe], allowed: Bool)], timeout: Duration = .seconds(15),
                          _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = ContinuousClock.now + timeout
        var wrong: [String] = []
        repeat {
            wrong = try mismatches(expected)
            if wrong.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.2)
        } while ContinuousClock.now < deadline
        Issue.record("\(comment): still wrong after \(timeout): \(wrong.joined(separator: "; "))\n\(logTails())", sourceLocation: sourceLocation)
    }

    /// Probes again and again for `duration`: every round must match (enforcement never lapses).
    func expectThroughout(_ expected: [(probes: [Probe], allowed: Bool)], for duration: Duration,
                          _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = ContinuousClock.now + duration
        repeat {
            let wrong = try mismatches(expected)
            if !wrong.isEmpty {
                Issue.record("\(comment): \(wrong.joined(separator: "; "))\n\(logTails())", sourceLocation: sourceLocation)
                return
            }
        } while ContinuousClock.now < deadline
    }

    private func mismatches(_ expected: [(probes: [Probe], allowed: Bool)]) throws -> [String] {
        let all = expected.flatMap { group in group.probes.map { ($0, group.allowed) } }
        let results = try lab.probe(all.map(\.0), timeout: .milliseconds(800))
        return zip(all, results).filter { $0.0.1 != $0.1 }.map { "\($0.0.0) \($0.1 ? "allowed" : "denied")" }
    }

    /// GET over a node's loopback (where its agent's endpoints listen); the body whatever the status.
    func httpGet(node: Int, _ address: String, _ path: String) throws -> String {
        let result = try lab.run(inNode: node, ["curl", "-s", "--max-time", "5", "http://\(address)\(path)"])
        guard result.status == 0 else { throw AgentProcessError("curl \(path): exit \(result.status) \(result.stderr)") }
        return result.stdout
    }

    /// Whether node `node` has the agent's table (it survives the agent).
    func hasTable(_ node: Int) throws -> Bool {
        try lab.run(inNode: node, ["nft", "list", "table", "inet", "netpol-agent"]).status == 0
    }
}
