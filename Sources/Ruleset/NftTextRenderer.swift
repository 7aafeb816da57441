import IPAddressing

/// Renders a Ruleset as an `nft -f` script. The script first deletes the agent's previous table, then
/// declares the new one, so loading it is one atomic replacement and also works on an empty ruleset.
public enum NftTextRenderer {
    public static func render(_ ruleset: Ruleset, header: [String] = []) -> String {
        let table = ruleset.table
        let qualified = "\(table.family.rawValue) \(table.name)"
        // About 40 bytes per element: one allocation for the whole script.
        var out = TextBuffer(capacity: 4096 + 40 * table.sets.reduce(0) { $0 + $1.elements.count })
        for line in header { out.append("# \(line)\n") }
        out.append("table \(qualified)\ndelete table \(qualified)\ntable \(qualified) {\n")
        if let comment = table.comment { out.append("\tcomment \(quoted(comment))\n") }
        // Sets are rendered on every core, each into its own buffer, and joined in table order.
        let setTexts = ParallelMap.map(table.sets, threshold: 16) { set in
            var text = TextBuffer(capacity: 256 + 40 * set.elements.count)
            render(set, into: &text)
            return text
        }
        for text in setTexts { out.append(text) }
        for counter in table.counters { out.append("\n" + render(counter)) }
        for limit in table.limits { out.append("\n" + render(limit)) }
        for chain in table.chains { out.append("\n" + render(chain)) }
        out.append("}\n")
        return out.string
    }

    static func render(_ set: NamedSet, into out: inout TextBuffer) {
        out.append("\n\t\(set.isVerdictMap ? "map" : "set") \(set.name) {\n")
        let keyType = set.keyType.map(typeName).joined(separator: " . ")
        out.append("\t\ttype \(keyType)\(set.isVerdictMap ? " : verdict" : "")\n")
        // Only a ruleset the programmer sized has one (never `--dry-run`'s); nft lists it here.
        if let size = set.kernelSize { out.append("\t\tsize \(size)\n") }
        if set.isInterval { out.append("\t\tflags interval\n") }
        if let comment = set.comment { out.append("\t\tcomment \(quoted(comment))\n") }
        if !set.elements.isEmpty {
            out.append("\t\telements = { ")
            renderElements(set, into: &out)
            out.append(" }\n")
        }
        out.append("\t}\n")
    }

    /// The elements in the order `SetElement.<` gives, one per line.
    static func renderElements(_ set: NamedSet, into out: inout TextBuffer) {
        for (position, element) in SortedElements(set.elements).enumerated() {
            if position > 0 { out.append(",\n\t\t\t     ") }
            render(element, into: &out)
        }
    }

    static func render(_ counter: NamedCounter) -> String {
        var out = "\tcounter \(counter.name) {\n"
        if let comment = counter.comment { out += "\t\tcomment \(quoted(comment))\n" }
        return out + "\t}\n"
    }

    static func render(_ limit: NamedLimit) -> String {
        var out = "\tlimit \(limit.name) {\n"
        if let comment = limit.comment { out += "\t\tcomment \(quoted(comment))\n" }
        out += "\t\trate \(limit.packetsPerSecond)/second burst \(limit.burst) packets\n"
        return out + "\t}\n"
    }

    static func render(_ chain: Chain) -> String {
        var out = "\tchain \(chain.name) {\n"
        if let hook = chain.hook {
            out += "\t\ttype filter hook \(hook.hook.rawValue) priority \(hook.priority); policy \(hook.policy.rawValue);\n"
        }
        if let comment = chain.comment { out += "\t\tcomment \(quoted(comment))\n" }
        for rule in chain.rules { out += "\t\t" + render(rule) + "\n" }
        return out + "\t}\n"
    }

    public static func render(_ rule: Rule) -> String {
        var words = rule.matches.map(render)
        if rule.counter { words.append("counter") }
        if let name = rule.namedCounter { words.append("counter name \(quoted(name))") }
        if let log = rule.log {
            if let limit = log.limit { words.append("limit name \(quoted(limit))") }
            words.append("log prefix \(quoted(log.prefix)) group \(log.group)")
        }
        words.append(render(rule.action))
        if let comment = rule.comment { words.append("comment \(quoted(comment))") }
        return words.joined(separator: " ")
    }

    static func render(_ match: Match) -> String {
        switch match {
        case .conntrackState(let states):
            return "ct state " + states.sorted().map(\.rawValue).joined(separator: ",")
        case .l4Protocol(let proto):
            return "meta l4proto \(proto.rawValue)"
        case .destinationPort(let range):
            return "th dport \(render(range))"
        case .inSet(let fields, let set):
            return fields.map(render).joined(separator: " . ") + " @\(set)"
        case .conntrackLabel(let bit):
            return "ct label \(bit)"
        case .icmpv6Type(let types):
            return "icmpv6 type \(render(types))"
        }
    }

    static func render(_ action: Action) -> String {
        switch action {
        case .verdict(let verdict): return render(verdict)
        case .reject: return "reject with icmpx admin-prohibited"
        case .verdictMap(let fields, let map): return fields.map(render).joined(separator: " . ") + " vmap @\(map)"
        }
    }

    static func render(_ verdict: Verdict) -> String {
        switch verdict {
        case .accept: return "accept"
        case .drop: return "drop"
        case .return: return "return"
        case .jump(let chain): return "jump \(chain)"
        case .goto(let chain): return "goto \(chain)"
        }
    }

    static func render(_ field: Field) -> String {
        switch field {
        case .sourceAddress(let family): return family == .v4 ? "ip saddr" : "ip6 saddr"
        case .destinationAddress(let family): return family == .v4 ? "ip daddr" : "ip6 daddr"
        case .l4Protocol: return "meta l4proto"
        case .destinationPort: return "th dport"
        }
    }

    public static func render(_ element: SetElement) -> String {
        var out = TextBuffer(capacity: 64)
        render(element, into: &out)
        return out.string
    }

    /// Key parts joined by " . ", then the verdict of a map element.
    static func render(_ element: SetElement, into out: inout TextBuffer) {
        for (position, part) in element.key.enumerated() {
            if position > 0 { out.append(" . ") }
            render(part, into: &out)
        }
        if let verdict = element.verdict { out.append(" : " + render(verdict)) }
    }

    /// An address, a CIDR (`lower/length`) or a range (`lower-upper`); a protocol; a port or port range.
    static func render(_ part: KeyPart, into out: inout TextBuffer) {
        switch part {
        case .address(let range):
            out.append(range.lower)
            if range.lower == range.upper { return }
            if let length = range.prefixLength {
                out.append(byte: UInt8(ascii: "/"))
                out.append(decimal: UInt8(length))
            } else {
                out.append(byte: UInt8(ascii: "-"))
                out.append(range.upper)
            }
        case .l4Protocol(let proto):
            out.append(proto.rawValue)
        case .ports(let range):
            out.append(decimal: range.lowerBound)
            if range.lowerBound != range.upperBound {
                out.append(byte: UInt8(ascii: "-"))
                out.append(decimal: range.upperBound)
            }
        }
    }

    static func render<Bound: BinaryInteger>(_ range: ClosedRange<Bound>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }

    static func typeName(_ type: DataType) -> String {
        switch type {
        case .ipv4Address: return "ipv4_addr"
        case .ipv6Address: return "ipv6_addr"
        case .inetProtocol: return "inet_proto"
        case .inetService: return "inet_service"
        }
    }

    /// nft strings cannot contain double quotes; the model's comments are already length-limited.
    static func quoted(_ text: String) -> String {
        "\"" + String(text.map { $0 == "\"" ? "'" : $0 }) + "\""
    }
}
