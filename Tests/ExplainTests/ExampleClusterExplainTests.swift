import ClusterModel
import Compiler
import Explain
import Foundation
import IPAddressing
import Manifests
import Testing

/// `ClusterExplainer` on examples/cluster: the verdict, the rule that decided, and the usual reasons
/// a rule does not admit a connection.
@Suite("explain on the example cluster")
struct ExampleClusterExplainTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/cluster").path

    static func exampleCluster() throws -> ClusterState {
        var builder = ClusterBuilder()
        for document in try ManifestReader.read(paths: [examples]) {
            if case .object(let object) = try document.decode() { try builder.add(object) }
        }
        return builder.state
    }

    let explainer: ClusterExplainer

    init() throws { explainer = ClusterExplainer(try Self.exampleCluster()) }

    func explain(_ from: String, _ to: String, _ port: UInt16, _ proto: L4Protocol = .tcp, family: IPFamily = .v4) throws -> Explanation {
        try explainer.explain(from: #require(Endpoint(from)), to: #require(Endpoint(to)), ConnectionQuery(proto: proto, port: port, family: family))
    }

    @Test("an allowed connection names the allowing rule of each isolated direction and its node")
    func allowed() throws {
        let answer = try explain("frontend/web-1", "backend/api-2", 8080)
        #expect(answer.allowed)
        #expect(answer.egress.status == .allowed && answer.egress.node == "node-1")
        #expect(answer.egress.isolatedBy == ["frontend/web-egress"])
        #expect(answer.egress.allowedBy == "frontend/web-egress egress[1]")
        #expect(answer.ingress.status == .allowed && answer.ingress.node == "node-2")
        #expect(answer.ingress.isolatedBy == ["backend/allow-scrape", "backend/api-from-web", "backend/default-deny"])
        #expect(answer.ingress.allowedBy == "backend/api-from-web ingress[0]")
        let text = ExplanationText.render(answer)
        #expect(text.hasPrefix("allowed: frontend/web-1 → backend/api-2 TCP/80"), "\(text)")
        #expect(text.contains("ingress of backend/api-2 (node-2) is isolated by backend/allow-scrape, backend/api-from-web, backend/default-deny; backend/api-from-web ingress[0] admits frontend/web-1:TCP/8080"), "\(text)")
    }

    @Test("a denied egress: the address inside an except, the named port the destination lacks, the labels")
    func deniedEgress() throws {
        let answer = try explain("frontend/web-1", "backend/db-0", 5432)
        #expect(!answer.allowed)
        #expect(answer.egress.status == .denied)
        let reasons = Dictionary(uniqueKeysWithValues: answer.egress.unmatched.map { ($0.rule, $0.reason) })
        #expect(reasons["frontend/web-egress egress[0]"] == "wants ipBlock 0.0.0.0/0; backend/db-0 (10.244.1.30) is inside its except 10.0.0.0/8")
        #expect(reasons["frontend/web-egress egress[1]"] == "wants port http; backend/db-0 defines no TCP port named http")
        #expect(reasons["frontend/web-egress egress[2]"]?.contains("backend/db-0 has app=db, tier=data") == true, "\(reasons)")
        // The same node judges both directions; the walk stopped at the egress deny.
        #expect(answer.ingress.status == .notReached && answer.ingress.node == "node-1")
    }

    @Test("a denied ingress: the port not in the rule, the namespace labels a selector wanted")
    func deniedIngress() throws {
        let answer = try explain("monitoring/prometheus-0", "backend/api-1", 8080)
        #expect(!answer.allowed)
        // monitoring/scrape-and-probe lets prometheus out to scrape ports only; node-2 judges that.
        #expect(answer.egress.status == .denied && answer.egress.node == "node-2")
        #expect(answer.ingress.status == .denied && answer.ingress.node == "node-1")
        #expect(answer.ingress.unmatched == [
            RuleMismatch(rule: "backend/allow-scrape ingress[0]", reason: "wants port 9100-9110, not 8080"),
            RuleMismatch(rule: "backend/api-from-web ingress[0]",
                         reason: "wants pods app=web in namespaces kubernetes.io/metadata.name=frontend; namespace monitoring has kubernetes.io/metadata.name=monitoring, team=ops"),
            RuleMismatch(rule: "backend/default-deny", reason: "allows no ingress"),
        ])
        let text = ExplanationText.render(answer)
        #expect(text.hasPrefix("denied: monitoring/prometheus-0 → backend/api-1 TCP/8080\n"), "\(text)")
        #expect(text.contains("ingress of backend/api-1 (node-1) is isolated by backend/allow-scrape, backend/api-from-web, backend/default-deny; no rule admits monitoring/prometheus-0:TCP/8080"), "\(text)")
    }

    @Test("addresses outside the cluster: nothing judges their side; IPv6 picks the pod's IPv6 address")
    func outsideAddresses() throws {
        let out = try explain("frontend/web-2", "1.1.1.1", 443)
        #expect(out.allowed && out.egress.allowedBy == "frontend/web-egress egress[0]" && out.ingress.status == .unjudged)
        let inbound = try explain("192.0.2.7", "backend/db-0", 5432)
        #expect(!inbound.allowed && inbound.egress.status == .unjudged && inbound.ingress.status == .denied)
        #expect(inbound.ingress.unmatched.contains(RuleMismatch(rule: "backend/db-from-api ingress[0]",
                                                                reason: "wants pods app=api,!job in namespace backend; 192.0.2.7 is no pod's address")),
                "\(inbound.ingress.unmatched)")
        let v6 = try explain("frontend/web-1", "2001:db8::1", 443, family: .v6)
        #expect(v6.allowed && v6.from.address == "fd00:10:244:1::10")
        let private6 = try explain("frontend/web-1", "fd00::99", 443, family: .v6)
        #expect(!private6.allowed && private6.egress.unmatched.contains { $0.reason.contains("inside its except fd00::/8") }, "\(private6.egress.unmatched)")
    }

    @Test("a pod's connection to its own node's address is judged on the input hook of that node (--node-egress policy)")
    func toOwnNode() throws {
        var cluster = try Self.exampleCluster()
        cluster.nodes = [ClusterNode(name: "node-1", addresses: [IPAddress("10.244.1.1")!])]
        let strict = ClusterExplainer(cluster, options: CompilerOptions(nodeEgress: .policy))
        let query = ConnectionQuery(port: 10250)
        let denied = try strict.explain(from: #require(Endpoint("frontend/web-1")), to: #require(Endpoint("10.244.1.1")), query)
        #expect(!denied.allowed && denied.egress.hook == "input" && denied.egress.status == .denied && denied.ingress.status == .unjudged)
        let text = ExplanationText.render(denied)
        #expect(text.contains("egress of frontend/web-1 (node-1, input hook: to the node itself): ClusterNetworkPolicies Admin: deny-vault; isolated by frontend/web-egress"), "\(text)")
        // By default the NetworkPolicy tier allows the node's own addresses: only web-1's Admin rules judge them.
        let allowed = try ClusterExplainer(cluster).explain(from: #require(Endpoint("frontend/web-1")), to: #require(Endpoint("10.244.1.1")), query)
        #expect(allowed.allowed && allowed.egress.hook == "input" && allowed.egress.status == .allowed, "\(ExplanationText.render(allowed))")
    }

    @Test("bad endpoints are refused with a clear error")
    func badEndpoints() throws {
        #expect(throws: ExplainError.self) { try explain("backend/nope", "backend/db-0", 5432) }
        #expect(throws: ExplainError.self) { try explain("backend/migrate-1", "backend/db-0", 5432) }
        #expect(throws: ExplainError.self) { try explain("frontend/web-1", "fd00::1", 443) }
    }

    @Test("the matrix agrees with single explanations, pair by pair")
    func matrixAgrees() throws {
        for (proto, port) in [(L4Protocol.tcp, UInt16(8080)), (.tcp, 5432), (.udp, 53), (.tcp, 9102), (.tcp, 443)] {
            let query = ConnectionQuery(proto: proto, port: port)
            let matrix = explainer.matrix(query)
            #expect(matrix.pods == ["backend/api-1", "backend/api-2", "backend/db-0", "frontend/web-1", "frontend/web-2",
                                    "kube-system/coredns-1", "monitoring/blackbox-1", "monitoring/prometheus-0"])
            for (i, from) in matrix.pods.enumerated() {
                for (j, to) in matrix.pods.enumerated() {
                    let single = try explainer.explain(from: #require(Endpoint(from)), to: #require(Endpoint(to)), query)
                    #expect(matrix.allowed[i][j] == single.allowed, "\(from) → \(to) \(query.description)")
                }
            }
        }
        #expect(explainer.matrix(ConnectionQuery(port: 80), namespaces: ["frontend"]).pods == ["frontend/web-1", "frontend/web-2"])
    }
}
