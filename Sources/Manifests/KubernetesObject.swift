import ClusterModel
import Yams

/// The kinds the agent enforces with.
public enum KubernetesObject {
    case namespace(NamespaceObject)
    case pod(PodObject)
    case networkPolicy(NetworkPolicyObject)
}

public enum DecodedDocument {
    case object(KubernetesObject)
    /// A kind the agent does not read; `--dry-run` mentions it and moves on.
    case skipped(kind: String)
}

extension ManifestDocument {
    /// Decodes by `kind`. Type errors name the object and the field path.
    public func decode() throws(ManifestError) -> DecodedDocument {
        guard node.mapping != nil else { throw ManifestError(source: source, message: "not a Kubernetes object (expected a mapping)") }
        guard let kind = node.mapping?["kind"]?.string else { throw ManifestError(source: source, message: "kind: must be set") }
        let apiVersion = node.mapping?["apiVersion"]?.string ?? ""
        do {
            switch (kind, apiVersion) {
            case ("Namespace", "v1"): return .object(.namespace(try decode(NamespaceObject.self)))
            case ("Pod", "v1"): return .object(.pod(try decode(PodObject.self)))
            case ("NetworkPolicy", "networking.k8s.io/v1"): return .object(.networkPolicy(try decode(NetworkPolicyObject.self)))
            default:
                return .skipped(kind: apiVersion.isEmpty ? kind : "\(apiVersion) \(kind)")
            }
        } catch let error as DecodingError {
            throw ManifestError(source: source, message: "\(objectName(kind: kind)): \(describe(error))")
        } catch {
            throw ManifestError(source: source, message: "\(objectName(kind: kind)): \(error)")
        }
    }

    /// Yams decodes from text only, so the document is serialized back; manifests are small.
    private func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try YAMLDecoder().decode(type, from: Yams.serialize(node: node))
    }

    private func objectName(kind: String) -> String {
        let metadata = node.mapping?["metadata"]?.mapping
        let name = metadata?["name"]?.string ?? "(unnamed)"
        return ObjectReference(kind: kind, namespace: kind == "Namespace" ? nil : metadata?["namespace"]?.string ?? "default",
                               name: name).description
    }

    private func describe(_ error: DecodingError) -> String {
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
