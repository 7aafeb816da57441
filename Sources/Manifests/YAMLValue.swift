import Foundation
import Yams

/// A YAML node as the JSON kubectl would send for it: scalars are null, booleans, numbers or strings by
/// their resolved tags (quoted scalars are always strings), mappings and sequences stay nodes until read.
enum YAMLValue {
    case null, bool(Bool), int(Int), double(Double), string(String)
    case mapping(Node.Mapping), sequence(Node.Sequence)

    init(_ node: Node) {
        switch node {
        case .mapping(let mapping): self = .mapping(mapping)
        case .sequence(let sequence): self = .sequence(sequence)
        case .scalar(let scalar):
            switch Self.tag(of: scalar) {
            case .null: self = .null
            case .bool: self = Bool.construct(from: scalar).map(YAMLValue.bool) ?? .string(scalar.string)
            case .int:
                if let value = Int.construct(from: scalar) { self = .int(value) }
                else if let value = Double.construct(from: scalar), value.isFinite { self = .double(value) }
                else { self = .string(scalar.string) }
            case .float:
                if let value = Double.construct(from: scalar), value.isFinite { self = .double(value) } else { self = .string(scalar.string) }
            default: self = .string(scalar.string)
            }
        }
    }

    /// As JSONDecoder names what it found (JSONMap.Value.debugDataTypeDescription).
    var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "a string"
        case .mapping: "a dictionary"
        case .sequence: "an array"
        }
    }

    /// The scalar's tag as Yams resolves it (`Node.tag`), through `ScalarTagResolver` for plain scalars.
    static func tag(of scalar: Node.Scalar) -> Tag.Name {
        switch scalar.tag.description {
        case Tag.Name.implicit.rawValue: ScalarTagResolver.resolve(scalar.string)
        case Tag.Name.nonSpecific.rawValue: .str
        case let name: Tag.Name(rawValue: name)
        }
    }

    /// A mapping's keys and values, merged as main's JSONValue did: `<<: *anchor` or `<<: [*a, *b]`
    /// brings in the keys of those mappings; keys written here win, then earlier merged maps. Of keys
    /// written twice, the last wins.
    static func fields(of mapping: Node.Mapping) -> [String: Node] {
        var written: [String: Node] = [:], merged: [String: Node] = [:]
        for (key, value) in mapping {
            guard isMergeKey(key) else {
                written[text(of: key) ?? ""] = value
                continue
            }
            for case .mapping(let source) in mergeSources(value).reversed() {
                merged.merge(fields(of: source)) { _, earlier in earlier }
            }
        }
        return written.merging(merged) { written, _ in written }
    }

    /// The value of `key` in a mapping, as Yams' `mapping[key]` finds it: the last plain string key of that name.
    static func lookup(_ key: String, in node: Node?) -> Node? {
        guard case .mapping(let mapping)? = node else { return nil }
        return mapping.reversed().first { pair in
            guard case .scalar(let scalar) = pair.key else { return false }
            return scalar.string == key && tag(of: scalar) == .str
        }?.value
    }

    /// A node's text as Yams' `Node.string` gives it.
    static func text(of node: Node?) -> String? {
        guard case .scalar(let scalar)? = node else { return node?.string }
        return scalar.string
    }

    /// Counts the nodes the document stands for once aliases are expanded, as main's JSONValue built
    /// them: every value, merged mappings included, but not keys.
    static func count(_ node: Node, budget: inout Int) throws(BudgetExhausted) {
        budget -= 1
        guard budget >= 0 else { throw BudgetExhausted() }
        switch node {
        case .scalar: break
        case .sequence(let sequence):
            for element in sequence { try count(element, budget: &budget) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                for counted in isMergeKey(key) ? mergeSources(value) : [value] { try count(counted, budget: &budget) }
            }
        }
    }

    struct BudgetExhausted: Error {}

    private static func isMergeKey(_ key: Node) -> Bool {
        guard case .scalar(let scalar) = key else { return false }
        return tag(of: scalar) == .merge
    }

    private static func mergeSources(_ value: Node) -> [Node] { value.sequence.map(Array.init) ?? [value] }
}
