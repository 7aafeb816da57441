import Foundation
import Observability
import Testing

@Suite struct KubernetesManifestTests {
    let documents: [(file: String, object: [String: Any])]

    init() throws {
        documents = try RepositoryFiles.manifests()
    }

    func only(_ kind: String) throws -> [String: Any] {
        let matching = documents.filter { $0.object["kind"] as? String == kind }
        try #require(matching.count == 1, "expected exactly one \(kind) under deploy/, found \(matching.count)")
        return matching[0].object
    }

    var daemonSet: [String: Any] { get throws { try only("DaemonSet") } }
    var container: [String: Any] { get throws { try #require(value(try daemonSet, "spec.template.spec.containers.0") as? [String: Any]) } }

    @Test func eachKindHasItsAPIVersionAndTheFieldsTheAPIRequires() throws {
        let expected = ["DaemonSet": "apps/v1", "ServiceAccount": "v1", "ClusterRole": "rbac.authorization.k8s.io/v1",
                        "ClusterRoleBinding": "rbac.authorization.k8s.io/v1"]
        #expect(documents.compactMap { $0.object["kind"] as? String }.sorted() == expected.keys.sorted())
        for (file, object) in documents {
            let kind = object["kind"] as? String ?? "?"
            #expect(object["apiVersion"] as? String == expected[kind], "\(file): \(kind)")
            #expect(value(object, "metadata.name") is String, "\(file): \(kind) has no metadata.name")
            let namespaced = ["DaemonSet", "ServiceAccount"].contains(kind)
            #expect((value(object, "metadata.namespace") != nil) == namespaced, "\(file): \(kind) metadata.namespace")
        }
        let selector = try #require(value(try daemonSet, "spec.selector.matchLabels") as? [String: String])
        let labels = try #require(value(try daemonSet, "spec.template.metadata.labels") as? [String: String])
        #expect(!selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }, "the selector must match the pod template")
        #expect(try container["name"] is String && container["image"] is String)
        let binding = try only("ClusterRoleBinding")
        for field in ["roleRef.apiGroup", "roleRef.kind", "roleRef.name", "subjects.0.kind", "subjects.0.name"] {
            #expect(value(binding, field) is String, "ClusterRoleBinding \(field)")
        }
    }

    /// Nodes: `--unknown-pod-ips deny` reads the agent's own Node (spec.podCIDRs), ClusterNetworkPolicy
    /// `nodes` peers all of them; ClusterNetworkPolicies only where their CRD is served. Still read-only.
    @Test func theClusterRoleOnlyReadsPodsNamespacesNodesAndPolicies() throws {
        let rules = try #require(try only("ClusterRole")["rules"] as? [[String: Any]])
        var grants: Set<String> = []
        for rule in rules {
            #expect(Set(rule.keys) == ["apiGroups", "resources", "verbs"], "no resourceNames, nonResourceURLs: \(rule.keys)")
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] {
                    for verb in rule["verbs"] as? [String] ?? [] { grants.insert("\(group)/\(resource):\(verb)") }
                }
            }
        }
        let reads = ["/pods", "/namespaces", "/nodes", "networking.k8s.io/networkpolicies",
                     "policy.networking.k8s.io/clusternetworkpolicies"]
        #expect(grants == Set(reads.flatMap { resource in ["get", "list", "watch"].map { "\(resource):\($0)" } }))
    }

    @Test func theBindingGivesTheRoleToTheDaemonSetsServiceAccount() throws {
        let account = try only("ServiceAccount")
        let binding = try only("ClusterRoleBinding")
        #expect(value(binding, "roleRef.apiGroup") as? String == "rbac.authorization.k8s.io")
        #expect(value(binding, "roleRef.kind") as? String == "ClusterRole")
        #expect(value(binding, "roleRef.name") as? String == value(try only("ClusterRole"), "metadata.name") as? String)
        let subjects = try #require(binding["subjects"] as? [[String: Any]])
        #expect(subjects.count == 1)
        #expect(subjects.first?["kind"] as? String == "ServiceAccount")
        #expect(subjects.first?["name"] as? String == value(account, "metadata.name") as? String)
        #expect(subjects.first?["namespace"] as? String == value(account, "metadata.namespace") as? String)
        #expect(value(try daemonSet, "spec.template.spec.serviceAccountName") as? String == value(account, "metadata.name") as? String)
        #expect(value(try daemonSet, "metadata.namespace") as? String == value(account, "metadata.namespace") as? String)
    }

    @Test func thePodRunsOnEveryNodeInTheHostNetworkWithNetAdminOnly() throws {
        let pod = try #require(value(try daemonSet, "spec.template.spec") as? [String: Any])
        #expect(pod["hostNetwork"] as? Bool == true)
        #expect(pod["priorityClassName"] as? String == "system-node-critical")
        let tolerations = try #require(pod["tolerations"] as? [[String: Any]])
        #expect(tolerations.contains { $0["operator"] as? String == "Exists" && $0["key"] == nil && $0["effect"] == nil },
                "a toleration with operator Exists and no key or effect tolerates every taint")
        #expect((pod["containers"] as? [Any])?.count == 1)
        #expect(pod["initContainers"] == nil)

        let security = try #require(try container["securityContext"] as? [String: Any])
        #expect(security["privileged"] as? Bool == false)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(value(security, "capabilities.add") as? [String] == ["NET_ADMIN"])
        #expect(value(security, "capabilities.drop") as? [String] == ["ALL"])
    }

    @Test func theNodeNameComesFromTheDownwardAPI() throws {
        let env = try #require(try container["env"] as? [[String: Any]])
        let node = try #require(env.first { $0["name"] as? String == "NODE_NAME" })
        #expect(value(node, "valueFrom.fieldRef.fieldPath") as? String == "spec.nodeName")
        #expect(try (container["args"] as? [String] ?? []).contains("--node=$(NODE_NAME)"))
    }

    @Test func theArgumentsAreFlagsTheAgentAcceptsAndTheProbesReachTheEndpoints() throws {
        let arguments = try #require(try container["args"] as? [String])
        #expect(try container["command"] == nil, "the image's entrypoint is the agent")
        let options = try AgentFlags.check(arguments)
        #expect(["127.0.0.1", "0.0.0.0"].contains(options.metricsAddress.host), "the probes connect to 127.0.0.1")

        let ports = try container["ports"] as? [[String: Any]] ?? []
        func resolve(_ port: Any?) -> Int? {
            (port as? Int) ?? ports.first { $0["name"] as? String == port as? String }?["containerPort"] as? Int
        }
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = try #require(value(try container, "\(probe).httpGet") as? [String: Any], "\(probe) must be an httpGet")
            #expect(get["host"] as? String == "127.0.0.1", "\(probe): the pod is hostNetwork, its IP is the node's")
            #expect(get["path"] as? String == path)
            #expect(resolve(get["port"]) == options.metricsAddress.port, "\(probe) port")
        }
        for port in ports where port["hostPort"] != nil {
            #expect(port["hostPort"] as? Int == port["containerPort"] as? Int, "hostNetwork needs hostPort == containerPort")
        }
    }

    @Test func resourcesAreRequestedAndMemoryIsLimited() throws {
        #expect(value(try container, "resources.requests.cpu") is String)
        #expect(value(try container, "resources.requests.memory") is String)
        #expect(value(try container, "resources.limits.memory") is String)
    }

    /// Kubernetes' own OpenAPI schemas, strictly (unknown fields fail): `kubernetes-validate` from PyPI.
    @Test func theManifestsValidateAgainstKubernetesSchemas() throws {
        let files = Set(documents.map(\.file)).sorted()
        try #require(!files.isEmpty)
        let result = try run(["kubernetes-validate", "--strict", "--quiet"] + files, in: RepositoryFiles.root)
        try #require(result.status != 127,
                     "kubernetes-validate is not installed: python3 -m pip install kubernetes-validate==1.37.0")
        #expect(result.status == 0, "\(result.output)")
    }
}

/// Runs a command through /usr/bin/env (so PATH finds it); 127 means not found.
func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}
