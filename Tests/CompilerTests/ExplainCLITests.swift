import Foundation
import Testing

/// `agent explain` as a user runs it, on examples/cluster: the binary, its exit status and its outputs.
@Suite("agent explain")
struct ExplainCLITests {
    func explain(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try AgentCLITests().agent(["explain", "--manifests", AgentCLITests.examples] + arguments)
    }

    @Test("one connection: the verdict first, then each direction; --output json has a top-level boolean \"allowed\"")
    func singleConnection() throws {
        let text = try explain(["--from", "monitoring/prometheus-0", "--to", "backend/api-1", "--port", "8080"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("denied: monitoring/prometheus-0 → backend/api-1 TCP/8080\n"), "\(text.stdout)")
        #expect(text.stdout.contains("backend/allow-scrape ingress[0] wants port 9100-9110, not 8080"), "\(text.stdout)")

        let json = try explain(["--from", "frontend/web-2", "--to", "backend/api-1", "--port", "8080", "--output", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["allowed"] as? Bool == true)
        let ingress = try #require(object["ingress"] as? [String: Any])
        #expect(ingress["allowedBy"] as? String == "backend/api-from-web ingress[0]")
        #expect(ingress["node"] as? String == "node-1")
    }

    @Test("the matrix as text, JSON and dot, with --namespace and --protocol")
    func matrix() throws {
        let json = try explain(["--matrix", "--port", "53", "--protocol", "UDP", "--namespace", "backend", "--namespace", "kube-system",
                                "--output", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["pods"] as? [String] == ["backend/api-1", "backend/api-2", "backend/db-0", "kube-system/coredns-1"])
        let allowed = try #require(object["allowed"] as? [[Bool]])
        // The API reaches DNS; the database does not; nothing reaches the API on UDP/53.
        #expect(allowed[0][3] && !allowed[2][3] && !allowed[3][0])

        let text = try explain(["--matrix", "--port", "8080"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 10 && lines[1].hasPrefix("-") && lines[2].hasPrefix("backend/api-1"), "\(text.stdout)")

        let dot = try explain(["--matrix", "--port", "8080", "--output", "dot"])
        #expect(dot.status == 0 && dot.stdout.hasPrefix("digraph") && dot.stdout.contains("subgraph cluster_"), "\(dot.stdout)")
        #expect(dot.stdout.contains("\"frontend/web-1\" -> \"backend/api-1\""), "\(dot.stdout)")
    }

    @Test("bad input exits 1 naming it")
    func badInput() throws {
        let unknown = try explain(["--from", "backend/nope", "--to", "backend/db-0", "--port", "5432"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no pod backend/nope"), "\(unknown.stderr)")
        let neither = try explain(["--port", "80"])
        #expect(neither.status != 0 && neither.stderr.contains("--from and --to"), "\(neither.stderr)")
        let badProtocol = try explain(["--from", "1.2.3.4", "--to", "backend/db-0", "--port", "5432", "--protocol", "ICMP"])
        #expect(badProtocol.status != 0 && badProtocol.stderr.contains("expected TCP, UDP or SCTP"), "\(badProtocol.stderr)")
    }
}
