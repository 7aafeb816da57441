import FakeAPIServerSupport
import Foundation
import Testing

/// `agent --dry-run --kubeconfig …`: one sync with the API server, the ruleset on stdout, exit 0.
/// Programs nothing, so it needs no privileges.
struct DryRunTests {
    @Test func printsTheRulesetOfOneSync() throws {
        let directory = NSTemporaryDirectory() + "agent-dry-run-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--tls-dir", directory, "--token", "t",
                                                   "--kubeconfig-out", "\(directory)/kubeconfig"], log: "\(directory)/apiserver.log")
        defer { server.stop() }
        try server.apply(["kind": "Pod", "apiVersion": "v1", "metadata": ["name": "web", "namespace": "default", "labels": ["app": "web"]],
                          "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": "10.9.8.7"]])
        try server.apply(["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "deny", "namespace": "default"],
                          "spec": ["podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress"]]])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: AgentProcess.binary)
        process.arguments = ["--dry-run", "--kubeconfig", "\(directory)/kubeconfig", "--node", "node-1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("table inet netpol-agent {"))
        #expect(text.contains("10.9.8.7 : jump ingress_"), "the pod is isolated by the policy:\n\(text)")
        let counts = try server.requestCounts()
        #expect(counts["list:pods"] == 1 && counts["list:networkpolicies"] == 1 && counts["list:namespaces"] == 1, "\(counts)")
    }
}
