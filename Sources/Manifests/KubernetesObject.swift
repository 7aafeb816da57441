import ClusterModel
import Foundation
import Yams

/// The kinds the agent enforces with.
public enum KubernetesObject: Sendable {
    case namespace(NamespaceObject)
    case pod(PodObject)
    case networkPolicy(NetworkPolicyObject)
    case clusterNetworkPolicy(ClusterNetworkPolicyObject)
    /// Nodes, for ClusterNetworkPolicy `nodes` peers.
    case node(NodeObject)
}

public enum DecodedDocument: Sendable {
    case object(KubernetesObject)
    /// A kind the agent does not read; `--dry-run` mentions it and moves on.
    case skipped(kind: String)
}

extension KubernetesObject {
    /// The kinds the agent reads, by `kind` and `apiVersion`.
    enum Kind {
        case namespace, pod, networkPolicy, clusterNetworkPolicy, node

        init?(kind: String, apiVersion: String) {
            switch (kind, apiVersion) {
            case ("Namespace", "v1"): self = .namespace
            case ("Pod", "v1"): self = .pod
            case ("NetworkPolicy", "networking.k8s.io/v1"): self = .networkPolicy
            case ("ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2"): self = .clusterNetworkPolicy
            case ("Node", "v1"): self = .node
            default: return nil
            }
        }

        func decode(from decoder: Decoder) throws -> KubernetesObject {
            switch self {
            case .namespace: .namespace(try NamespaceObject(from: decoder))
            case .pod: .pod(try PodObject(from: decoder))
            case .networkPolicy: .networkPolicy(try NetworkPolicyObject(from: decoder))
            case .clusterNetworkPolicy: .clusterNetworkPolicy(try ClusterNetworkPolicyObject(from: decoder))
            case .node: .node(try NodeObject(from: decoder))
            }
        }
    }
}

extension DecodedDocument {
    /// Decodes by `kind` and `apiVersion`; a type error names the object (`name`, asked only then) and the
    /// field path. `decoder` is asked for only for the kinds the agent reads.
    static func decode(kind: String, apiVersion: String, source: String, name: () -> ObjectName,
                       decoder: () throws -> Decoder) throws(ManifestError) -> DecodedDocument {
        guard let type = KubernetesObject.Kind(kind: kind, apiVersion: apiVersion) else { return skipped(kind: kind, apiVersion: apiVersion) }
        do {
            return .object(try type.decode(from: decoder()))
        } catch let error as DecodingError {
            throw ManifestError(source: source, message: "\(name().reference(kind: kind)): \(describe(error))")
        } catch {
            throw ManifestError(source: source, message: "\(name().reference(kind: kind)): \(error)")
        }
    }

    /// A kind the agent does not read, as `--dry-run` names it.
    static func skipped(kind: String, apiVersion: String) -> DecodedDocument {
        .skipped(kind: apiVersion.isEmpty ? kind : "\(apiVersion) \(kind)")
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): must be set"
        @unknown default:
            return "\(error)"
        }
    }
}

/// `metadata.name` and `metadata.namespace` as written, for messages.
struct ObjectName {
    var name: String?
    var namespace: String?

    func reference(kind: String) -> ObjectReference {
        let namespace = Self.clusterScopedKinds.contains(kind) ? nil : namespace ?? "default"
        return ObjectReference(kind: kind, namespace: namespace, name: name ?? "(unnamed)")
    }

    private static let clusterScopedKinds: Set<String> = ["Namespace", "Node", "ClusterNetworkPolicy"]
}

extension ManifestDocument {
    /// Decodes by `kind`. Type errors name the object and the field path.
    public func decode() throws(ManifestError) -> DecodedDocument {
        guard case .mapping = node else { throw ManifestError(source: source, message: "not a Kubernetes object (expected a mapping)") }
        guard let kind = YAMLValue.text(of: YAMLValue.lookup("kind", in: node)) else { throw ManifestError(source: source, message: "kind: must be set") }
        let apiVersion = YAMLValue.text(of: YAMLValue.lookup("apiVersion", in: node)) ?? ""
        return try DecodedDocument.decode(kind: kind, apiVersion: apiVersion, source: source, name: {
            let metadata = YAMLValue.lookup("metadata", in: node)
            return ObjectName(name: YAMLValue.text(of: YAMLValue.lookup("name", in: metadata)),
                              namespace: YAMLValue.text(of: YAMLValue.lookup("namespace", in: metadata)))
        }, decoder: {
            try checkAliasExpansion()
            return NodeDecoder(node: node, codingPath: [])
        })
    }

    /// Only aliases make a document stand for more nodes than its text has bytes (see `nodeBudget`), so a
    /// text without `*` needs no count.
    private func checkAliasExpansion() throws {
        guard mayHaveAliases else { return }
        var budget = nodeBudget
        do { try YAMLValue.count(node, budget: &budget) } catch { throw AliasExpansionLimit(nodes: nodeBudget) }
    }
}

/// A document whose aliases expand it past its node budget (`ManifestDocument.nodeBudget`).
private struct AliasExpansionLimit: Error, CustomStringConvertible {
    var nodes: Int
    var description: String { "expands to more than \(nodes) YAML nodes through aliases" }
}
