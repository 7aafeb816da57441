import ClusterModel
import Compiler
import Explain
import IPAddressing
import Testing

/// Explanations name the ClusterNetworkPolicy tier and rule that decided (examples/cluster plus CNPs).
@Suite("explain names ClusterNetworkPolicy tiers and rules")
struct ClusterPolicyExplainTests {
    static func selector(_ labels: [String: String]) -> LabelSelector {
        LabelSelector(requirements: labels.map { LabelSelector.Requirement(key: $0.key, op: .in([$0.value])) })
    }

    static let backend = ClusterPolicySubject.namespaces(selector(["kubernetes.io/metadata.name": "backend"]))
    static let fromOps = ClusterPolicyPeer.namespaces(selector(["team": "ops"]))

    func explainer(_ clusterPolicies: [ClusterNetworkPolicy]) throws -> ClusterExplainer {
        var cluster = try ExampleClusterExplainTests.exampleCluster()
        cluster.clusterPolicies = clusterPolicies
        return ClusterExplainer(cluster)
    }

    func explain(_ explainer: ClusterExplainer, _ from: String, _ to: String, _ port: UInt16, _ proto: L4Protocol = .tcp) throws -> Explanation {
        try explainer.explain(from: #require(Endpoint(from)), to: #require(Endpoint(to)), ConnectionQuery(proto: proto, port: port))
    }

    @Test("Admin Deny: decides before the NetworkPolicies that would allow")
    func adminDeny() throws {
        let explainer = try explainer([ClusterNetworkPolicy(
            name: "no-ops-into-backend", tier: .admin, priority: 10, subject: Self.backend,
            ingress: [ClusterPolicyRule(name: "no-ops", action: .deny, peers: [Self.fromOps])])])
        // allow-scrape admits Prometheus on 9102; the Admin tier comes first.
        let answer = try explain(explainer, "monitoring/prometheus-0", "backend/api-1", 9102)
        #expect(!answer.allowed)
        #expect(answer.ingress.status == .denied)
        #expect(answer.ingress.clusterPolicies == ["Admin: no-ops-into-backend"])
        #expect(answer.ingress.deniedBy == "ClusterNetworkPolicy no-ops-into-backend (Admin, priority 10) ingress[0] \"no-ops\": Deny")
        #expect(answer.ingress.isolatedBy.isEmpty, "the NetworkPolicy tier was never reached")
        let text = ExplanationText.render(answer)
        #expect(text.contains("ingress of backend/api-1 (node-1): ClusterNetworkPolicies Admin: no-ops-into-backend; "
                              + "ClusterNetworkPolicy no-ops-into-backend (Admin, priority 10) ingress[0] \"no-ops\": Deny denies monitoring/prometheus-0:TCP/9102"),
                "\(text)")
        // Other clients: the Deny rule does not match (and says why), the NetworkPolicies decide.
        let web = try explain(explainer, "frontend/web-1", "backend/api-1", 8080)
        #expect(web.allowed && web.ingress.allowedBy == "backend/api-from-web ingress[0]")
        #expect(web.ingress.unmatched.first { $0.rule.hasPrefix("ClusterNetworkPolicy no-ops-into-backend") }?.reason
                == "wants pods all in namespaces team=ops; namespace frontend has kubernetes.io/metadata.name=frontend, team=web")
    }

    @Test("Pass hands the connection to the NetworkPolicy tier, which decides")
    func passToNetworkPolicies() throws {
        let explainer = try explainer([ClusterNetworkPolicy(
            name: "ops-by-namespace-policy", tier: .admin, priority: 5, subject: Self.backend,
            ingress: [ClusterPolicyRule(name: "ops-decided-below", action: .pass, peers: [Self.fromOps]),
                      ClusterPolicyRule(name: "everyone-else", action: .accept, peers: [.namespaces(.everything)])])])
        let pass = "ClusterNetworkPolicy ops-by-namespace-policy (Admin, priority 5) ingress[0] \"ops-decided-below\": Pass"
        let denied = try explain(explainer, "monitoring/prometheus-0", "backend/api-1", 8080)
        #expect(!denied.allowed && denied.ingress.passedBy == [pass] && denied.ingress.deniedBy == nil)
        #expect(denied.ingress.isolatedBy == ["backend/allow-scrape", "backend/api-from-web", "backend/default-deny"])
        #expect(denied.ingress.unmatched.contains(RuleMismatch(rule: "backend/allow-scrape ingress[0]", reason: "wants port 9100-9110, not 8080")))
        let allowed = try explain(explainer, "monitoring/prometheus-0", "backend/api-1", 9102)
        #expect(allowed.allowed && allowed.ingress.passedBy == [pass] && allowed.ingress.allowedBy == "backend/allow-scrape ingress[0]")
        // Clients the Accept rule takes never reach the NetworkPolicies, which would deny them.
        let accepted = try explain(explainer, "kube-system/coredns-1", "backend/db-0", 5432)
        #expect(accepted.allowed && accepted.ingress.allowedBy
                == "ClusterNetworkPolicy ops-by-namespace-policy (Admin, priority 5) ingress[1] \"everyone-else\": Accept")
    }

    @Test("Baseline Deny: judges pods no NetworkPolicy isolates; an earlier Baseline Accept admits")
    func baselineDeny() throws {
        let kubeSystem = ClusterPolicySubject.namespaces(Self.selector(["kubernetes.io/metadata.name": "kube-system"]))
        let explainer = try explainer([ClusterNetworkPolicy(
            name: "dns-only-from-web", tier: .baseline, priority: 50, subject: kubeSystem,
            ingress: [ClusterPolicyRule(name: "web", action: .accept, peers: [.namespaces(Self.selector(["team": "web"]))],
                                        protocols: [.ports(.udp, 53...53)]),
                      ClusterPolicyRule(name: "deny-rest", action: .deny, peers: [.namespaces(.everything)])])])
        let web = try explain(explainer, "frontend/web-1", "kube-system/coredns-1", 53, .udp)
        #expect(web.allowed && web.ingress.clusterPolicies == ["Baseline: dns-only-from-web"])
        #expect(web.ingress.allowedBy == "ClusterNetworkPolicy dns-only-from-web (Baseline, priority 50) ingress[0] \"web\": Accept")
        let prometheus = try explain(explainer, "monitoring/prometheus-0", "kube-system/coredns-1", 53, .udp)
        #expect(!prometheus.allowed)
        #expect(prometheus.ingress.deniedBy == "ClusterNetworkPolicy dns-only-from-web (Baseline, priority 50) ingress[1] \"deny-rest\": Deny")
        #expect(prometheus.ingress.unmatched.first?.reason == "wants pods all in namespaces team=web; namespace monitoring has kubernetes.io/metadata.name=monitoring, team=ops")
        // The matrix agrees with the single answers.
        let matrix = explainer.matrix(ConnectionQuery(proto: .udp, port: 53))
        let dns = try #require(matrix.pods.firstIndex(of: "kube-system/coredns-1"))
        #expect(matrix.allowed[matrix.pods.firstIndex(of: "frontend/web-1")!][dns])
        #expect(!matrix.allowed[matrix.pods.firstIndex(of: "monitoring/prometheus-0")!][dns])
    }
}
