/// A large cluster as API objects: `namespaces` namespaces of `podsPerNamespace` pods spread over
/// `nodes` nodes (so every namespace has pods on node-1), and `policiesPerNamespace` policies each,
/// selecting by app label and allowing peers by pod label, by namespace label, and by named port.
struct SyntheticCluster {
    var namespaces = 1000
    var podsPerNamespace = 100
    var policiesPerNamespace = 10
    var nodes = 100

    var podCount: Int { namespaces * podsPerNamespace }
    var policyCount: Int { namespaces * policiesPerNamespace }

    static func namespaceName(_ index: Int) -> String { "ns-\(index)" }

    func namespace(_ index: Int) -> [String: Any] {
        ["kind": "Namespace", "apiVersion": "v1",
         "metadata": ["name": Self.namespaceName(index), "labels": ["team": "team-\(index % 20)", "env": index % 2 == 0 ? "prod" : "dev"]]]
    }

    /// Pod `index` of the whole cluster; its address is unique (10.1.0.0 upwards).
    func pod(_ index: Int) -> [String: Any] {
        let namespace = index / podsPerNamespace, ordinal = index % podsPerNamespace
        return Self.pod(id: index, namespace: Self.namespaceName(namespace), name: "pod-\(ordinal)", node: "node-\(index % nodes + 1)",
                        ip: "10.\(1 + index / 65536).\(index / 256 % 256).\(index % 256)",
                        labels: ["app": "app-\(ordinal % policiesPerNamespace)", "tier": ["web", "db", "cache"][ordinal % 3],
                                 "pod-template-hash": "h\(ordinal % 7)"])
    }

    /// `id` makes the uid (36 characters, as the API server's are).
    static func pod(id: Int, namespace: String, name: String, node: String, ip: String, labels: [String: String]) -> [String: Any] {
        let digits = String(id)
        return ["kind": "Pod", "apiVersion": "v1",
         "metadata": ["name": name, "namespace": namespace, "labels": labels,
                      "uid": "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits,
                      "creationTimestamp": "2026-01-01T00:00:00Z"],
         "spec": ["nodeName": node, "containers": [["name": "main", "ports": [["name": "http", "containerPort": 8080]]]]],
         "status": ["phase": "Running", "podIP": ip, "podIPs": [["ip": ip]]]]
    }

    func policy(_ index: Int) -> [String: Any] {
        let namespace = index / policiesPerNamespace, ordinal = index % policiesPerNamespace
        let samePeers: [String: Any] = ["podSelector": ["matchLabels": ["app": "app-\((ordinal + 1) % policiesPerNamespace)"]]]
        let teamPeers: [String: Any] = ["namespaceSelector": ["matchLabels": ["team": "team-\(ordinal % 20)"]],
                                        "podSelector": ["matchLabels": ["tier": "web"]]]
        return ["kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
                "metadata": ["name": "policy-\(ordinal)", "namespace": Self.namespaceName(namespace)],
                "spec": ["podSelector": ["matchLabels": ["app": "app-\(ordinal)"]], "policyTypes": ["Ingress"],
                         "ingress": [["from": [samePeers, teamPeers],
                                      "ports": [["protocol": "TCP", "port": 8080], ["protocol": "TCP", "port": "http"]]]]]]
    }
}
