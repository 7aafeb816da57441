import ClusterModel
import Foundation
import TestSupport

/// Any JSON value, decoded by JSONDecoder itself, so that tests can write a wire object out again in the
/// many spellings JSON allows.
indirect enum JSONTree: Decodable, Equatable {
    case object([String: JSONTree]), array([JSONTree]), string(String), int(Int), bool(Bool), null
    /// A number spelled as given; only written, never decoded.
    case number(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONTree].self))
        }
    }

    /// The tree of an Encodable value, as JSONEncoder writes it (nil optionals absent).
    static func of<T: Encodable>(_ value: T) throws -> JSONTree {
        try JSONDecoder().decode(JSONTree.self, from: JSONEncoder().encode(value))
    }
}

/// Writes a JSON tree the way different encoders might: members in any order, blanks anywhere, escapes
/// in values (\/, \n, \u00e9…), and unknown members of every JSON type that a reader must skip, nulls
/// for declared members that are absent among them.
struct WireJSONWriter {
    var random: SeededRandom
    /// Member names that some wire type declares; written as null where absent, which must read as nil.
    static let declaredNames = ["name", "namespace", "uid", "labels", "spec", "status", "nodeName", "hostNetwork", "containers",
                                "ports", "podIPs", "podSelector", "ingress", "egress", "from", "to", "port", "endPort",
                                "matchLabels", "matchExpressions", "values", "ipBlock", "except", "tier", "priority", "subject",
                                "protocols", "networks", "nodes", "domainNames", "destinationPort", "range", "podCIDRs", "addresses"]

    mutating func write(_ tree: JSONTree) -> String {
        var text = ""
        write(tree, into: &text)
        return blank() + text + blank()
    }

    /// Label maps (`isMap`) are `[String: String]`: every member is read, so none is added.
    private mutating func write(_ tree: JSONTree, isMap: Bool = false, into text: inout String) {
        switch tree {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .number(let spelling): text += spelling
        case .string(let value): writeString(value, into: &text)
        case .array(let elements):
            text += "[" + blank()
            for (index, element) in elements.enumerated() {
                if index > 0 { text += blank() + "," + blank() }
                write(element, into: &text)
            }
            text += blank() + "]"
        case .object(let members):
            var pairs = members.map { ($0.key, $0.value) }
            for _ in 0..<(isMap ? 0 : random.int(0...2)) {
                let extra = unknownMember(absentFrom: members)
                if !pairs.contains(where: { $0.0 == extra.0 }) { pairs.append(extra) }
            }
            pairs.shuffle(using: &random)
            text += "{" + blank()
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { text += blank() + "," + blank() }
                writeString(key, escapingOnlyWhatMust: true, into: &text)
                text += blank() + ":" + blank()
                write(value, isMap: Self.mapNames.contains(key), into: &text)
            }
            text += blank() + "}"
        }
    }

    private mutating func unknownMember(absentFrom members: [String: JSONTree]) -> (String, JSONTree) {
        let absent = Self.declaredNames.filter { members[$0] == nil }
        if random.int(0...2) == 0, let name = absent.randomElement(using: &random) { return (name, .null) }
        let values: [JSONTree] = [.null, .bool(random.bool()), .int(random.int(-99_999...99_999)), .string("x\u{e9}\"y"),
                                  .array([.int(1), .object(["k:{\"a\":1}": .string("v")]), .array([])]),
                                  .object(["f:spec": .object(["f:x": .object([:])]), "a": .array([.null])]),
                                  .number(random.pick(Self.skippedNumbers))]
        return ("unknown\(random.int(0...99))\(["", "_", "-x", ".io/y"][random.int(0...3)])", random.pick(values))
    }

    static let mapNames: Set<String> = ["labels", "matchLabels"]

    /// Numbers the reader must step over in unknown members, in every spelling JSON has.
    static let skippedNumbers = ["0", "-0", "1.5", "-2.25e-3", "6E+2", "12345678901234567890123", "1e400"]

    /// Keys escape only what they must: the reader declines escaped keys of the objects it reads.
    private mutating func writeString(_ value: String, escapingOnlyWhatMust plain: Bool = false, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case _ where plain && scalar != "\"" && scalar != "\\": text.unicodeScalars.append(scalar)
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += random.bool() ? "\\t" : "\\u0009"
            case "/" where random.bool(): text += "\\/"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            case _ where scalar.value < 0x10000 && random.int(0...5) == 0: text += String(format: "\\u%04X", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    private mutating func blank() -> String { ["", "", "", " ", "\n  ", "\t", "\r\n"][random.int(0...6)] }
}
