import Foundation

/// Block-style YAML for the JSON-shaped values ManifestWriter builds: mappings with sorted keys,
/// sequences as `- ` items, strings plain where YAML reads them back as the same string, quoted otherwise.
enum YAMLText {
    static func append(_ mapping: [String: Any], indent: String, to text: inout String) {
        for key in mapping.keys.sorted() {
            text += indent + scalar(key) + ":"
            appendValue(mapping[key]!, indent: indent, to: &text)
        }
    }

    /// After a key's colon or a sequence dash: a scalar or `{}`/`[]` on the same line, else the block below.
    private static func appendValue(_ value: Any, indent: String, to text: inout String) {
        switch value {
        case let mapping as [String: Any] where !mapping.isEmpty:
            text += "\n"
            append(mapping, indent: indent + "  ", to: &text)
        case let sequence as [Any] where !sequence.isEmpty:
            text += "\n"
            for element in sequence {
                text += indent + "-"
                if let mapping = element as? [String: Any], !mapping.isEmpty {
                    // The first key on the dash's line, the others under it.
                    var block = ""
                    append(mapping, indent: indent + "  ", to: &block)
                    text += " " + block.dropFirst(indent.count + 2)
                } else {
                    appendValue(element, indent: indent + "  ", to: &text)
                }
            }
        case is [String: Any]: text += " {}\n"
        case is [Any]: text += " []\n"
        case let bool as Bool: text += bool ? " true\n" : " false\n"
        case let number as Int: text += " \(number)\n"
        default: text += " " + scalar("\(value)") + "\n"
        }
    }

    /// Plain when it starts with a letter, holds only name characters and is no YAML 1.1 bool or null word.
    private static func scalar(_ string: String) -> String {
        let plain = string.first.map(\.isLetter) == true
            && string.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
            && !["y", "yes", "n", "no", "true", "false", "on", "off", "null"].contains(string.lowercased())
        guard !plain else { return string }
        let escaped = string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"" + escaped + "\""
    }
}
