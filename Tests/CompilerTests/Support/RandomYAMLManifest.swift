@testable import Manifests
import TestSupport

/// A random YAML manifest file of the kinds the agent reads and some it skips, as Lists and single
/// objects over several documents, each value written in a random YAML style: plain, single- or
/// double-quoted and block scalars, flow and block collections, comments, every spelling of true, false
/// and null, numbers and numbers as strings, empty values.
struct RandomYAMLManifest {
    /// A JSON-shaped value.
    indirect enum Value {
        case string(String), int(Int), bool(Bool), null
        case map([(String, Value)]), list([Value])
    }

    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// One to four documents, each an object or a List of up to five.
    mutating func file() -> String {
        var text = random.bool() ? "# manifests\n" : ""
        for number in 0..<random.int(1...4) {
            if number > 0 || random.bool() { text += "---\n" }
            let document: Value = random.int(0...2) == 0
                ? shuffled([("apiVersion", .string("v1")), ("kind", .string(random.pick(["List", "PodList"]))),
                            ("items", .list((0..<random.int(0...5)).map { _ in object() }))])
                : object()
            text += block(document, indent: 0)
        }
        return text
    }

    mutating func object() -> Value {
        switch random.int(0...4) {
        case 0: return shuffled([("apiVersion", .string("v1")), ("kind", .string("Namespace")), ("metadata", metadata(namespaced: false))])
        case 1: return pod()
        case 2: return policy()
        case 3: return shuffled([("apiVersion", .string("v1")), ("kind", .string("Node")), ("metadata", metadata(namespaced: false))])
        default:
            return shuffled([("apiVersion", .string("v1")), ("kind", .string("ConfigMap")), ("metadata", metadata(namespaced: true)),
                             ("data", .map([("port", .string("8080")), ("debug", .string("true")), ("empty", .string(""))]))])
        }
    }

    private mutating func pod() -> Value {
        let ports: [Value] = (0..<random.int(0...2)).map { index in
            .map([("name", .string("p\(index)")), ("containerPort", .int(random.int(1...65535))), ("protocol", .string(random.pick(["TCP", "UDP"])))])
        }
        let address = "10.\(random.int(0...255)).\(random.int(0...255)).\(random.int(1...254))"
        return shuffled([
            ("apiVersion", .string("v1")), ("kind", .string("Pod")), ("metadata", metadata(namespaced: true)),
            ("spec", .map([("nodeName", .string("node-\(random.int(0...3))")), ("hostNetwork", random.bool() ? .bool(random.bool()) : .null),
                           ("containers", .list([.map([("name", .string("main")), ("ports", .list(ports))])]))])),
            ("status", .map([("phase", .string(random.pick(["Running", "Pending", "Succeeded"]))), ("podIP", .string(address)),
                             ("podIPs", .list([.map([("ip", .string(address))])]))])),
        ])
    }

    private mutating func policy() -> Value {
        let port: Value = random.bool() ? .int(random.int(1...1000)) : .string(random.pick(["http", "8080", "dns-tcp"]))
        let peers: [Value] = [
            .map([("podSelector", selector())]),
            .map([("namespaceSelector", selector()), ("podSelector", .map([]))]),
            .map([("ipBlock", .map([("cidr", .string("10.0.0.0/8")), ("except", .list([.string("10.1.0.0/16")]))]))]),
        ]
        return shuffled([
            ("apiVersion", .string("networking.k8s.io/v1")), ("kind", .string("NetworkPolicy")), ("metadata", metadata(namespaced: true)),
            ("spec", .map([("podSelector", selector()), ("policyTypes", .list([.string("Ingress"), .string("Egress")])),
                           ("ingress", .list([.map([("from", .list(peers)), ("ports", .list([.map([("protocol", .string("TCP")), ("port", port)])]))])])),
                           ("egress", random.bool() ? .list([]) : .null)])),
        ])
    }

    private mutating func selector() -> Value {
        .map([("matchLabels", labels()),
              ("matchExpressions", .list([.map([("key", .string("tier")), ("operator", .string("In")), ("values", .list([.string("web"), .string("1")]))])]))])
    }

    private mutating func labels() -> Value {
        .map((0..<random.int(0...3)).map { ("label\($0)", .string(random.pick(["web", "db", "2024-01-01", "x.y/z", "yes", "007", "a b"]))) })
    }

    private mutating func metadata(namespaced: Bool) -> Value {
        var fields: [(String, Value)] = [("name", .string(random.pick(["web", "db-1", "true", "null", "123", "a.b"]) + "\(random.int(0...9))"))]
        if namespaced { fields.append(("namespace", .string(random.pick(["shop", "default", "on"])))) }
        fields.append(("labels", labels()))
        if random.bool() { fields.append(("annotations", .map([("note", .string("line one\nline two\n")), ("empty", .null)]))) }
        return shuffled(fields)
    }

    private mutating func shuffled(_ fields: [(String, Value)]) -> Value { .map(fields.shuffled(using: &random)) }

    // MARK: YAML text

    /// A value after `key:` or `- ` in block context, through the end of its line or block.
    private mutating func block(_ value: Value, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let fields) where !fields.isEmpty && random.int(0...3) > 0:
            return fields.enumerated().map { index, field in
                (index > 0 && random.int(0...9) == 0 ? "\(pad)# \(field.0)\n" : "") + pad + field.0 + ":" + afterKey(field.1, indent: indent)
            }.joined()
        case .list(let elements) where !elements.isEmpty && random.int(0...3) > 0:
            return elements.map { element in
                if case .map(let fields) = element, !fields.isEmpty {
                    // The first key on the dash's line, the others under it.
                    let text = block(element, indent: indent + 2)
                    return pad + "- " + text.drop { $0 == " " }
                }
                return pad + "-" + afterKey(element, indent: indent + 2)
            }.joined()
        default:
            return pad + flow(value) + "\n"
        }
    }

    private mutating func afterKey(_ value: Value, indent: Int) -> String {
        switch value {
        case .map(let fields) where !fields.isEmpty: return "\n" + block(value, indent: indent + 2)
        case .list(let elements) where !elements.isEmpty: return "\n" + block(value, indent: indent + 2)
        case .string(let string) where !string.isEmpty && !string.hasPrefix(" ") && random.int(0...3) == 0:
            // A literal block scalar: `|` keeps the final line break, `|-` has none.
            let lines = string.split(separator: "\n", omittingEmptySubsequences: false)
            let body = string.hasSuffix("\n") ? lines.dropLast() : lines[...]
            let pad = String(repeating: " ", count: indent + 2)
            return (string.hasSuffix("\n") ? " |\n" : " |-\n") + body.map { pad + $0 + "\n" }.joined()
        case .null where random.bool(): return "\n"
        default: return " " + flow(value) + (random.int(0...9) == 0 ? " # comment" : "") + "\n"
        }
    }

    private mutating func flow(_ value: Value) -> String {
        switch value {
        case .map(let fields): return "{" + fields.map { "\($0): \(flow($1))" }.joined(separator: ", ") + "}"
        case .list(let elements): return "[" + elements.map { flow($0) }.joined(separator: ", ") + "]"
        case .int(let int): return "\(int)"
        case .bool(let bool): return random.pick(bool ? ["true", "True", "TRUE", "yes", "Yes", "on", "ON"] : ["false", "False", "no", "NO", "off", "Off"])
        case .null: return random.pick(["null", "~", "Null", "NULL"])
        case .string(let string):
            let plain = string.first.map { $0.isLetter || $0.isNumber } == true
                && string.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
                && [.str, .timestamp].contains(ScalarTagResolver.resolve(string))
            if plain && random.int(0...2) > 0 { return string }
            if random.bool() && !string.contains("\n") { return "'" + string.replacingOccurrences(of: "'", with: "''") + "'" }
            return "\"" + string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
    }
}
