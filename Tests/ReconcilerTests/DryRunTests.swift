import FakeAPIServerSupport
import Foundation
import Testing

/// `agent --dry-run --kubeconfig …`: one sync with the API server, the ruleset on stdout, exit 0.
/// Programs nothing, so it needs no privileges.
struct DryRunTests {
    /// Runs `agent --dry-run` against a fake API server holding `objects`; returns its exit status and
    /// stdout, and the server's request counts.
    static func dryRun(objects: [[String: Any]]) throws -> (status: Int32, ruleset: String, requests: [String: Int]) {
        let directory = NSTemporaryDirectory() + "agent-dry-run-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--tls-dir", directory, "--token", "t",
                                                   "--kubeconfig-out", "\(directory)/kubeconfig"], log: "\(directory)/apiserver.log")
        defer { server.stop() }
        for object in objects { try server.apply(object) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        process.arguments = ["--dry-run", "--kubeconfig", "\(directory)/kubeconfig", "--node", "node-1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text, try server.requestCounts())
    }

    static var webPod: [String: Any] { [
        "kind": "Pod", "apiVersion": "v1", "metadata": ["name": "web", "namespace": "default", "labels": ["app": "web"]],
        "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": "10.9.8.7"],
    ] }

    static func policy(_ name: String, spec: [String: Any]) -> [String: Any] {
        ["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": name, "namespace": "default"], "spec": spec]
    }

    @Test func printsTheRulesetOfOneSync() throws {
        let run = try Self.dryRun(objects: [Self.webPod, Self.policy("deny", spec: ["podSelector": ["matchLabels": ["app": "web"]],
                                                                                     "policyTypes": ["Ingress"]])])
        #expect(run.status == 0)
        #expect(run.ruleset.contains("table inet netpol-agent {"))
        #expect(run.ruleset.contains("10.9.8.7 : jump ingress_"), "the pod is isolated by the policy:\n\(run.ruleset)")
        let counts = run.requests
        #expect(counts["list:pods"] == 1 && counts["list:networkpolicies"] == 1 && counts["list:namespaces"] == 1, "\(counts)")
    }

    /// Failure mode closed: a policy the agent cannot read (the API server took it) was skipped, and
    /// its pods stayed open. Now they are isolated, and the chain says why nothing is allowed.
    @Test func unreadablePolicyIsolatesItsPodsAndSaysSoOnTheChain() throws {
        let run = try Self.dryRun(objects: [Self.webPod, Self.policy("allow-icmp", spec: [
            "podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress", "Egress"],
            "ingress": [["ports": [["protocol": "ICMP"]]]],
        ])])
        #expect(run.status == 0)
        #expect(run.ruleset.contains("10.9.8.7 : jump ingress_") && run.ruleset.contains("10.9.8.7 : jump egress_"),
                "the pod is isolated both ways:\n\(run.ruleset)")
        #expect(run.ruleset.contains("comment \"ingress of pods selected by default/allow-icmp (unreadable, allows nothing: spec.ingress[0].ports[0].protocol: unknown proto"),
                "\(run.ruleset)")
        #expect(!run.ruleset.contains("return comment \"default/allow-icmp"), "no allow rule of it")
    }
}
