import ClusterModel
import Foundation
import Yams

/// The kinds the agent enforces with.
public enum KubernetesObject {
    case namespace(NamespaceObject)
    case pod(PodObject)
    case networkPolicy(NetworkPolicyObject)
    case clusterNetworkPolicy(ClusterNetworkPolicyObject)
    /// Nodes, for ClusterNetworkPolicy `nodes` peers.
    case node(NodeObject)
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
            case ("ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2"):
                return .object(.clusterNetworkPolicy(try decode(ClusterNetworkPolicyObject.self)))
            case ("Node", "v1"): return .object(.node(try decode(NodeObject.self)))
            default:
                return .skipped(kind: apiVersion.isEmpty ? kind : "\(apiVersion) \(kind)")
            }
        } catch let error as DecodingError {
            throw ManifestError(source: source, message: "\(objectName(kind: kind)): \(describe(error))")
        } catch {
            throw ManifestError(source: source, message: "\(objectName(kind: kind)): \(error)")
        }
    }

    /// Decodes the document as the JSON it stands for, each scalar typed by its YAML tag, which is what
    /// kubectl sends (sigs.k8s.io/yaml converts YAML to JSON first). YAMLDecoder alone would read any
    /// scalar as a String, so `port: true` would become a port named "true" instead of a type error.
    private func decode<T: Decodable>(_ type: T.Type) throws -> T {
        var budget = nodeBudget
        guard let json = try? JSONValue(node, budget: &budget) else { throw AliasExpansionLimit(nodes: nodeBudget) }
        return try JSONDecoder().decode(type, from: JSONEncoder().encode(json))
    }

    private func objectName(kind: String) -> String {
        let metadata = node.mapping?["metadata"]?.mapping
        let name = metadata?["name"]?.string ?? "(unnamed)"
        let namespace = Self.clusterScopedKinds.contains(kind) ? nil : metadata?["namespace"]?.string ?? "default"
        return ObjectReference(kind: kind, namespace: namespace, name: name).description
    }

    private static let clusterScopedKinds: Set<String> = ["Namespace", "Node", "ClusterNetworkPolicy"]

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

/// A document whose aliases expand it past its node budget (`ManifestDocument.nodeBudget`).
private struct AliasExpansionLimit: Error, CustomStringConvertible {
    var nodes: Int
    var description: String { "expands to more than \(nodes) YAML nodes through aliases" }
}

/// A YAML node as JSON: scalars become null, booleans, numbers or strings by their resolved tags
/// (quoted scalars are always strings).
private enum JSONValue: Encodable {
    case null, bool(Bool), int(Int), double(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    struct BudgetExhausted: Error {}

    /// `budget`: nodes left to build, shared by the whole document.
    init(_ node: Node, budget: inout Int) throws(BudgetExhausted) {
        budget -= 1
        guard budget >= 0 else { throw BudgetExhausted() }
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: self = .null
            case Tag.Name.bool.rawValue: self = Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue:
                if let value = Int.construct(from: scalar) { self = .int(value) }
                else if let value = Double.construct(from: scalar), value.isFinite { self = .double(value) }
                else { self = .string(scalar.string) }
            case Tag.Name.float.rawValue:
                if let value = Double.construct(from: scalar), value.isFinite { self = .double(value) } else { self = .string(scalar.string) }
            default: self = .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try JSONValue(element, budget: &budget)) }
            self = .array(elements)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:], merged: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard key.tag.description == Tag.Name.merge.rawValue else {
                    object[key.string ?? ""] = try JSONValue(value, budget: &budget)
                    continue
                }
                // `<<: *anchor` or `<<: [*a, *b]`: keys written here win, then earlier merged maps.
                for source in (value.sequence.map(Array.init) ?? [value]).reversed() {
                    if case .object(let fields) = try JSONValue(source, budget: &budget) { merged.merge(fields) { _, earlier in earlier } }
                }
            }
            self = .object(object.merging(merged) { written, _ in written })
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }
}
