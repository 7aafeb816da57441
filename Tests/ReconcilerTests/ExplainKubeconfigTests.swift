import FakeAPIServerSupport
import Foundation
import Testing

/// `agent explain --kubeconfig …`: one list of each kind from the API server, no kernel, no root.
struct ExplainKubeconfigTests {
    static func explain(_ kubeconfig: String, _ extra: [String]) -> [String] {
        [AgentProcess.binary, "explain", "--kubeconfig", kubeconfig] + extra
    }

    @Test func explainsFromOneListOfEachKind() throws {
        let fixture = try DryRunTests.Fixture()
        let server = fixture.server
        for (name, labels, ip) in [("web", ["app": "web"], "10.9.8.7"), ("client", ["app": "client"], "10.9.8.8")] {
            try server.apply(["kind": "Pod", "apiVersion": "v1", "metadata": ["name": name, "namespace": "default", "labels": labels],
                              "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": ip]])
        }
        try server.apply(["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "from-api", "namespace": "default"],
                          "spec": ["podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress"],
                                   "ingress": [["from": [["podSelector": ["matchLabels": ["app": "api"]]]]]]]])
        // Unreadable: its stand-in isolates the pod and allows nothing (fail closed), and stderr names it.
        try server.apply(["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1", "metadata": ["name": "allow-icmp", "namespace": "default"],
                          "spec": ["podSelector": ["matchLabels": ["app": "web"]], "policyTypes": ["Ingress"],
                                   "ingress": [["ports": [["protocol": "ICMP"]]]]]])

        let run = try OneShotRun(Self.explain(fixture.kubeconfig, ["--from", "default/client", "--to", "default/web", "--port", "80"]),
                                 deadline: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("denied: default/client → default/web TCP/80"), "\(run.stdout)")
        #expect(run.stdout.contains("default/from-api ingress[0] wants pods app=api in namespace default; default/client has app=client"),
                "\(run.stdout)")
        #expect(run.stdout.contains("default/allow-icmp allows no ingress"), "\(run.stdout)")
        #expect(run.stderr.contains("NetworkPolicy default/allow-icmp: spec.ingress[0].ports[0].protocol"), "\(run.stderr)")
        let counts = try server.requestCounts()
        #expect(counts["list:pods"] == 1 && counts["list:networkpolicies"] == 1 && counts["list:namespaces"] == 1, "\(counts)")
    }

    @Test func listsClusterNetworkPoliciesWhereServed() throws {
        let fixture = try DryRunTests.Fixture()
        let server = fixture.server
        for (name, ip) in [("web", "10.9.8.7"), ("client", "10.9.8.8")] {
            try server.apply(["kind": "Pod", "apiVersion": "v1", "metadata": ["name": name, "namespace": "default", "labels": ["app": name]],
                              "spec": ["nodeName": "node-1"], "status": ["phase": "Running", "podIP": ip]])
        }
        try server.serveClusterPolicies(true)
        try server.applyClusterPolicy("deny-all-ingress", spec: [
            "tier": "Admin", "priority": 10, "subject": ["namespaces": [:] as [String: Any]],
            "ingress": [["name": "everyone", "action": "Deny", "from": [["namespaces": [:] as [String: Any]]]]]])
        let run = try OneShotRun(Self.explain(fixture.kubeconfig, ["--from", "default/client", "--to", "default/web", "--port", "80"]),
                                 deadline: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("denied: default/client → default/web TCP/80"), "\(run.stdout)")
        #expect(run.stdout.contains("ClusterNetworkPolicy deny-all-ingress (Admin, priority 10) ingress[0] \"everyone\": Deny denies default/client:TCP/80"),
                "\(run.stdout)")
        let counts = try server.requestCounts()
        #expect(counts["list:clusternetworkpolicies"] == 1 && counts["list:nodes"] == 1, "\(counts)")
    }
}
