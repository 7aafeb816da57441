import ClusterModel
import IPAddressing
import Compiler
import Manifests
import NetnsLab
import Yams

/// The API objects of a case as a cluster would hold them, with the (lab's or planned) pod addresses and
/// nodes. Actions change it the way the e2e code changes the cluster.
struct CaseCluster {
    private(set) var builder = ClusterBuilder()
    let family: LabFamily
    private let addresses: any CaseAddresses
    /// The YAML of each object applied, as `mutate` changes it.
    private var applied: [String: Node] = [:]

    static let namespaces = ["x", "y", "z"]

    /// The NetworkPolicy cases' model (Cases/FORMAT.md): namespaces x, y, z and the case's pods.
    init(for testCase: ConformanceCase, addresses: any CaseAddresses, family: LabFamily) throws {
        var objects = CaseCluster.namespaces.map { KubernetesObject.namespace(NamespaceObject(metadata: ObjectMeta(name: $0, labels: ["ns": $0]))) }
        let containerPorts = testCase.ports.flatMap { port in
            testCase.protocols.map { proto in
                PodObject.ContainerPort(name: "serve-\(port)-\(proto.lowercased())", containerPort: Int(port), protocol: proto)
            }
        }
        for pod in testCase.pods {
            let (namespace, name) = CaseCluster.split(pod)
            let podIPs = LabFamily.allCases.map { PodObject.PodIP(ip: addresses.address(of: pod, family: $0)) }
            objects.append(.pod(PodObject(
                metadata: ObjectMeta(name: name, namespace: namespace, labels: ["pod": name]),
                spec: .init(nodeName: addresses.nodeName(ofPod: pod),
                            containers: [.init(name: "serve", ports: containerPorts)]),
                status: .init(phase: "Running", podIP: podIPs[0].ip, podIPs: podIPs))))
        }
        try self.init(objects: objects, addresses: addresses, family: family)
    }

    init(objects: [KubernetesObject], addresses: any CaseAddresses, family: LabFamily) throws {
        self.addresses = addresses
        self.family = family
        for object in objects { try builder.add(object) }
    }

    mutating func perform(_ action: ConformanceCase.Action) throws {
        if let text = action.apply {
            for document in try ManifestReader.parse(substitute(text), source: "apply") { try apply(document.node) }
        }
        if let mutation = action.mutate {
            guard let object = applied[mutation.key] else { throw CaseError("mutate of \(mutation.key), which was never applied") }
            try apply(mutation.applied(to: object) { text in
                guard let value = try Yams.compose(yaml: substitute(text)) else { throw CaseError("\(mutation.key): empty value") }
                return value
            })
        }
        if let key = action.delete {
            builder.remove(ObjectReference(kind: key.kind, namespace: key.namespace, name: key.name))
        }
        if action.deleteAllPolicies != nil {
            for reference in builder.policyReferences { builder.remove(reference) }
        }
        if let change = action.podLabels, let podName = change.pod {
            let (namespace, name) = CaseCluster.split(podName)
            guard var pod = builder.pod(ObjectReference(kind: "Pod", namespace: namespace, name: name)) else {
                throw CaseError("no pod \(podName)")
            }
            pod.labels = CaseCluster.changed(pod.labels, change)
            builder.replace(pod)
        }
        if let change = action.namespaceLabels, let name = change.namespace {
            guard var namespace = builder.namespace(name) else { throw CaseError("no namespace \(name)") }
            namespace.labels = CaseCluster.changed(namespace.labels, change)
            builder.replace(namespace)
        }
    }

    /// Creates or replaces one object, as `kubectl apply` of its YAML would.
    private mutating func apply(_ node: Node) throws {
        let documents = try ManifestReader.parse(Yams.serialize(node: node), source: "apply")
        guard documents.count == 1, case .object(let object) = try documents[0].decode() else {
            throw CaseError("apply of \(node["kind"]?.string ?? "no kind"), which the agent does not read")
        }
        try builder.add(object)
        let metadata = node["metadata"]
        applied["\(node["kind"]?.string ?? "")/\(metadata?["namespace"]?.string ?? "")/\(metadata?["name"]?.string ?? "")"] = node
    }

    /// Replaces `${ip:x/a}`, `${prefix:V4:V6}` and `${net:x/a:V4:V6}` (Cases/FORMAT.md).
    func substitute(_ text: String) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw CaseError("unterminated placeholder") }
            let parts = rest[start.upperBound..<end].split(separator: ":").map(String.init)
            switch (parts.first, parts.count) {
            case ("ip", 2):
                guard addresses.podNames.contains(parts[1]) else { throw CaseError("placeholder names unknown pod \(parts[1])") }
                result += addresses.address(of: parts[1], family: family)
            case ("prefix", 3):
                result += family == .v4 ? parts[1] : parts[2]
            case ("net", 4):
                guard addresses.podNames.contains(parts[1]), let address = IPAddress(addresses.address(of: parts[1], family: family)),
                      let length = Int(family == .v4 ? parts[2] : parts[3]) else { throw CaseError("bad placeholder ${\(parts.joined(separator: ":"))}") }
                result += CIDR(address: address, prefixLength: length).description
            default:
                throw CaseError("unknown placeholder ${\(parts.joined(separator: ":"))}")
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func changed(_ labels: [String: String], _ change: ConformanceCase.LabelChange) -> [String: String] {
        var labels = labels
        for key in change.remove ?? [] { labels[key] = nil }
        for (key, value) in change.add ?? [:] { labels[key] = value }
        return labels
    }

    static func split(_ pod: String) -> (namespace: String, name: String) {
        let parts = pod.split(separator: "/").map(String.init)
        return (parts[0], parts[1])
    }
}

struct CaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
