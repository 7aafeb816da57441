import ClusterModel
import Compiler
import Explain
import IPAddressing
import Testing

/// The matrix's Graphviz rendering stays readable for a large namespace.
@Suite("explain --matrix --output dot")
struct MatrixGraphTests {
    /// `big`: 50 pods whose only policy admits ingress from their own namespace; `small`: 3 pods no policy selects.
    static func cluster() -> ClusterState {
        let namespaces = ["big", "small"].map { Namespace(name: $0, labels: ["kubernetes.io/metadata.name": $0]) }
        let pods = (0..<53).map { index in
            Pod(namespace: index < 50 ? "big" : "small", name: "pod-\(index)", labels: ["app": "x"], nodeName: "node-\(index % 3)",
                addresses: [.v4(0x0a00_0000 + UInt32(index) + 1)])
        }
        let sameNamespace = NetworkPolicy(namespace: "big", name: "same-namespace", isolatesIngress: true, isolatesEgress: false,
                                          ingress: [PolicyRule(peers: [.pods(namespaces: .named("big"), pods: .everything)])])
        return ClusterState(namespaces: namespaces, pods: pods, policies: [sameNamespace])
    }

    @Test("every pair within a namespace allowed and governed: one edge for the namespace, none for ungoverned pairs")
    func groupsEdges() throws {
        let matrix = ClusterExplainer(Self.cluster()).matrix(ConnectionQuery(port: 80))
        #expect(matrix.pods.count == 53)
        let dot = MatrixRendering.dot(matrix)
        let edges = dot.split(separator: "\n").filter { $0.contains(" -> ") }
        // big → big: one grouped edge. small → small and big → small are allowed but no policy governs
        // them; small → big is denied.
        #expect(edges.count == 1, "\(edges)")
        #expect(edges.first?.contains("ltail=cluster_0, lhead=cluster_0") == true, "\(edges)")
        #expect(!matrix.allowed[50][0] && matrix.allowed[0][50] && matrix.allowed[1][2])
    }
}
