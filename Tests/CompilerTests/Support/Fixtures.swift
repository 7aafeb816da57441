import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Manifests
import Ruleset

/// Small builders: objects are written as manifest text and go through the same reader, decoder and
/// validation as `--dry-run` does, so the tests exercise defaults and "absent vs empty" for real.
enum Manifest {
    static func namespace(_ name: String, labels: [String: String] = [:]) -> String {
        json(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name, "labels": labels]])
    }

    /// A pod; `ports` are (name, number, protocol) container ports, `ips` go to status.podIPs.
    static func pod(_ name: String, ns: String = "default", labels: [String: String] = [:], ips: [String],
                    node: String = "node-1", ports: [(String?, Int, String?)] = [], phase: String = "Running",
                    hostNetwork: Bool = false, created: String? = nil) -> String {
        var metadata: [String: Any] = ["name": name, "namespace": ns, "labels": labels]
        if let created { metadata["creationTimestamp"] = created }
        let containerPorts: [[String: Any]] = ports.map { name, number, proto in
            var port: [String: Any] = ["containerPort": number]
            if let name { port["name"] = name }
            if let proto { port["protocol"] = proto }
            return port
        }
        var spec: [String: Any] = ["nodeName": node, "containers": [["name": "c", "ports": containerPorts]]]
        if hostNetwork { spec["hostNetwork"] = true }
        var status: [String: Any] = ["phase": phase]
        if let first = ips.first { status["podIP"] = first }
        if !ips.isEmpty { status["podIPs"] = ips.map { ["ip": $0] } }
        return json(["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status])
    }

    /// A NetworkPolicy whose spec is YAML text (indented by the caller however it likes).
    static func policy(_ name: String, ns: String = "default", spec: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: \(name), namespace: \(ns)}
        spec:
        \(indented(spec))
        """
    }

    /// A ClusterNetworkPolicy whose spec is YAML text.
    static func clusterPolicy(_ name: String, spec: String) -> String {
        """
        apiVersion: policy.networking.k8s.io/v1alpha2
        kind: ClusterNetworkPolicy
        metadata: {name: \(name)}
        spec:
        \(indented(spec))
        """
    }

    /// `spec` YAML dedented, then indented under `spec:`.
    private static func indented(_ spec: String) -> String {
        dedent(spec).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    static func json(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Removes the common leading indentation of the non-blank lines.
    static func dedent(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.allSatisfy(\.isWhitespace) ? "" : String($0.dropFirst(indent)) }.joined(separator: "\n")
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Decodes and validates every document; throws the first problem (tests that expect errors use `errors(in:)`).
func cluster(_ documents: [String]) throws -> ClusterState {
    var builder = ClusterBuilder()
    for document in try ManifestReader.parse(documents.joined(separator: "\n---\n"), source: "test.yaml") {
        switch try document.decode() {
        case .object(let object): try builder.add(object)
        case .skipped(let kind): throw FixtureError(description: "unexpected kind \(kind)")
        }
    }
    return builder.state
}

func cluster(_ documents: String...) throws -> ClusterState { try cluster(documents) }

/// The validation error one object gives.
func validationError(_ document: String) throws -> ValidationError? {
    let documents = try ManifestReader.parse(document, source: "test.yaml")
    guard documents.count == 1, case .object(let object) = try documents[0].decode() else {
        throw FixtureError(description: "expected one decodable object")
    }
    var builder = ClusterBuilder()
    do {
        try builder.add(object)
        return nil
    } catch {
        return error
    }
}

func compile(_ state: ClusterState, node: String = "node-1", options: CompilerOptions = CompilerOptions()) -> Ruleset {
    PolicyCompiler.compile(state, node: node, options: options)
}

/// An incremental compiler holding every object of `state`.
func nodeCompiler(_ state: ClusterState, node: String = "node-1", options: CompilerOptions = CompilerOptions()) -> NodeCompiler {
    var compiler = NodeCompiler(node: node, options: options)
    for namespace in state.namespaces { compiler.upsert(namespace) }
    for pod in state.pods { compiler.upsert(pod) }
    for policy in state.policies { compiler.upsert(policy) }
    for policy in state.clusterPolicies { compiler.upsert(policy) }
    for clusterNode in state.nodes { compiler.upsert(clusterNode) }
    return compiler
}

func ip(_ text: String) -> IPAddress {
    guard let address = IPAddress(text) else { fatalError("bad test address \(text)") }
    return address
}

extension Ruleset {
    /// Whether a new connection from `source` to `destination` passes the forward hook.
    func allows(_ source: String, _ destination: String, _ proto: L4Protocol = .tcp, _ port: UInt16 = 80) -> Bool {
        evaluate(Packet(ip(source), ip(destination), proto, port)) == .accept
    }

    var text: String { NftTextRenderer.render(self) }

    /// Sets other than the four dispatch maps.
    var peerAndPortSets: [NamedSet] { table.sets.filter { !$0.isVerdictMap } }

    /// Regular (non-base) chains.
    var policyChains: [Chain] { table.chains.filter { $0.hook == nil } }
}

extension Chain {
    /// The chain's last rule must be the deny rule; these are the rules before it.
    var allowRules: [Rule] { Array(rules.dropLast()) }

    var endsInDeny: Bool {
        guard let last = rules.last else { return false }
        return last.matches.isEmpty && (last.action == .verdict(.drop) || last.action == .reject)
    }
}

extension Rule {
    var setNames: [String] {
        matches.compactMap { if case .inSet(_, let set) = $0 { return set } else { return nil } }
    }
}
