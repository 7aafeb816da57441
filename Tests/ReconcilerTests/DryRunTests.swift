import FakeAPIServerSupport
import Foundation
import Testing

/// `agent --dry-run --kubeconfig …`: one sync with the API server, the ruleset on stdout, exit 0;
/// or, when no sync completes within --timeout, exit non-zero with the last error.
/// Programs nothing, so it needs no privileges.
struct DryRunTests {
    /// A scratch directory with a fake API server serving TLS (its CA in `directory`/ca.crt).
    final class Fixture {
        let directory = NSTemporaryDirectory() + "agent-dry-run-" + UUID().uuidString
        let server: FakeAPIServer

        init() throws {
            let tls = "\(directory)/server"
            try FileManager.default.createDirectory(atPath: tls, withIntermediateDirectories: true)
            server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--tls-dir", tls, "--token", "t",
                                                   "--kubeconfig-out", "\(tls)/kubeconfig"], log: "\(tls)/apiserver.log")
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        var kubeconfig: String { "\(directory)/server/kubeconfig" }
        var ca: String { "\(directory)/server/ca.crt" }

        static func agent(_ kubeconfig: String, _ extra: [String] = []) -> [String] {
            [AgentProcess.binary, "--dry-run", "--kubeconfig", kubeconfig, "--node", "node-1"] + extra
        }
    }

    @Test func printsTheRulesetOfOneSync() throws {
        let fixture = try Fixture()
        let server = fixture.server
        try server.apply(["kind": "Pod", "apiVersion": "v1", "metadata": ["name": "web", "namespace": "default", "labels": ["app": "web"]],
                          "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": "10.9.8.7"]])
        try server.apply(["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "deny", "namespace": "default"],
                          "spec": ["podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress"]]])

        let run = try OneShotRun(Fixture.agent(fixture.kubeconfig), deadline: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("table inet netpol-agent {"))
        #expect(run.stdout.contains("10.9.8.7 : jump ingress_"), "the pod is isolated by the policy:\n\(run.stdout)")
        let counts = try server.requestCounts()
        // One WatchList per kind: the state streamed from the watch cache, no LIST.
        #expect(counts["watchlist:pods"] == 1 && counts["watchlist:networkpolicies"] == 1 && counts["watchlist:namespaces"] == 1
                && !counts.keys.contains { $0.hasPrefix("list:") }, "\(counts)")
    }

    /// `--no-watch-list`: the sync LISTs each kind once, from the watch cache (resourceVersion=0).
    @Test func noWatchListListsFromTheCache() throws {
        let fixture = try Fixture()
        let run = try OneShotRun(Fixture.agent(fixture.kubeconfig, ["--no-watch-list"]), deadline: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        let counts = try fixture.server.requestCounts()
        #expect(counts["list:pods"] == 1 && counts["list:networkpolicies"] == 1 && counts["list:namespaces"] == 1
                && !counts.keys.contains { $0.hasPrefix("watchlist:") }, "\(counts)")
        let served = try fixture.server.send(["op": "stats"])["servedFrom"] as? [String: Int] ?? [:]
        #expect(served["list:pods@cache"] == 1, "\(served)")
    }

    /// Failure mode closed: a policy the agent cannot read (the API server took it) was skipped, and
    /// its pods stayed open. Now they are isolated, and the chain says why nothing is allowed.
    @Test func unreadablePolicyIsolatesItsPodsAndSaysSoOnTheChain() throws {
        let fixture = try Fixture()
        try fixture.server.apply(["kind": "Pod", "apiVersion": "v1", "metadata": ["name": "web", "namespace": "default", "labels": ["app": "web"]],
                                  "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": "10.9.8.7"]])
        try fixture.server.apply(["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
                                  "metadata": ["name": "allow-icmp", "namespace": "default"],
                                  "spec": ["podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress", "Egress"],
                                           "ingress": [["ports": [["protocol": "ICMP"]]]]]])
        let run = try OneShotRun(Fixture.agent(fixture.kubeconfig), deadline: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("10.9.8.7 : jump ingress_") && run.stdout.contains("10.9.8.7 : jump egress_"),
                "the pod is isolated both ways:\n\(run.stdout)")
        #expect(run.stdout.contains("comment \"ingress of pods selected by default/allow-icmp (unreadable, allows nothing: spec.ingress[0].ports[0].protocol: unknown proto"),
                "\(run.stdout)")
        #expect(!run.stdout.contains("return comment \"default/allow-icmp"), "no allow rule of it")
    }

    /// Failure mode closed: a refused certificate made --dry-run retry for 60 s and then fail
    /// without the cause. It gives up after --timeout, naming the server and the TLS failure.
    @Test func givesUpAfterTheTimeoutWithTheCertificateFailure() throws {
        let fixture = try Fixture(), other = try Fixture()
        let wrongCA = "\(fixture.directory)/wrong-ca.kubeconfig"
        try writeKubeconfig(wrongCA, server: fixture.server.ready.url, caFile: other.ca, token: "t")

        let run = try OneShotRun(Fixture.agent(wrongCA, ["--timeout", "2s"]), deadline: .seconds(20))
        #expect(run.status != nil, "still running after 20 s:\n\(run.stderr)")
        #expect(run.status != 0 && run.stdout.isEmpty)
        #expect(run.elapsed < .seconds(10), "gave up after \(run.elapsed)")
        let error = run.stderr.split(separator: "\n").last { $0.hasPrefix("Error:") }.map(String.init) ?? ""
        #expect(error.contains(fixture.server.ready.url) && error.contains("certificate"), "\(run.stderr)")
    }

    /// Failure mode closed: nothing listening made --dry-run retry for 60 s; it gives up after
    /// --timeout with the connection failure.
    @Test func givesUpAfterTheTimeoutWhenNothingListens() throws {
        let fixture = try Fixture()
        let url = fixture.server.ready.url
        fixture.server.stop()

        let run = try OneShotRun(Fixture.agent(fixture.kubeconfig, ["--timeout", "1500ms"]), deadline: .seconds(20))
        #expect(run.status != nil, "still running after 20 s:\n\(run.stderr)")
        #expect(run.status != 0 && run.stdout.isEmpty)
        #expect(run.elapsed < .seconds(10), "gave up after \(run.elapsed)")
        let error = run.stderr.split(separator: "\n").last { $0.hasPrefix("Error:") }.map(String.init) ?? ""
        #expect(error.contains(url) && error.contains("curl error 7"), "\(run.stderr)")
    }
}
