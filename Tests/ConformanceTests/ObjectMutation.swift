import Yams

/// A change to an object as the upstream CNP suite makes it: `GetClusterNetworkPolicy`, change a copy in Go, then
/// `PatchClusterNetworkPolicy` with the result. Paths are dot-separated keys and list indices (`spec.ingress.0`);
/// values are YAML text (placeholders substituted first).
struct ObjectMutation: Decodable {
    var kind: String
    var namespace: String?
    var name: String
    /// Exchanges two values: `mutate.Spec.Ingress[0], mutate.Spec.Ingress[1] = …[1], …[0]`.
    var swap: [String]?
    /// Replaces one value: `mutate.Spec.Priority = 40`.
    var set: Placement?
    /// Inserts into a list before the index the path ends with: `append(newRule, mutate.Spec.Egress...)`.
    var insert: Placement?

    struct Placement: Decodable {
        var path: String
        var yaml: String
    }

    var key: String { "\(kind)/\(namespace ?? "")/\(name)" }

    /// The object after the change; `parse` reads a value's YAML text.
    func applied(to object: Node, parse: (String) throws -> Node) throws -> Node {
        var result = object
        if let swap {
            guard swap.count == 2 else { throw CaseError("\(key): swap takes two paths") }
            let (first, second) = (try value(at: swap[0], in: result), try value(at: swap[1], in: result))
            result = try Self.updating(result, at: components(swap[0])) { _ in second }
            result = try Self.updating(result, at: components(swap[1])) { _ in first }
        }
        if let set {
            let value = try parse(set.yaml)
            result = try Self.updating(result, at: components(set.path)) { _ in value }
        }
        if let insert {
            let value = try parse(insert.yaml)
            let path = components(insert.path)
            guard let last = path.last, let index = Int(last) else { throw CaseError("\(key): insert path must end with an index") }
            result = try Self.updating(result, at: path.dropLast()) { list in
                guard case .sequence(var items) = list, index <= items.count else { throw CaseError("\(key): \(insert.path) is not a list position") }
                items.insert(value, at: index)
                return .sequence(items)
            }
        }
        return result
    }

    private func components(_ path: String) -> ArraySlice<String> { ArraySlice(path.split(separator: ".").map(String.init)) }

    private func value(at path: String, in node: Node) throws -> Node {
        try components(path).reduce(node) { node, key in
            guard let child = node[key] else { throw CaseError("\(self.key): no \(path)") }
            return child
        }
    }

    private static func updating(_ node: Node, at path: ArraySlice<String>, _ change: (Node) throws -> Node) throws -> Node {
        guard let key = path.first else { return try change(node) }
        guard let child = node[key] else { throw CaseError("no \(key) in \(path.joined(separator: "."))") }
        var copy = node
        copy[key] = try updating(child, at: path.dropFirst(), change)
        return copy
    }
}
