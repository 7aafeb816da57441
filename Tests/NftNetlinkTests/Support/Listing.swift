import Foundation

/// Makes two `nft` outputs comparable. Stripped: counter values (of rules and of counter objects) and
/// handles. Sorted: the elements of each set (hash sets list in hash order) and the sets, counters, limits and
/// chains of the table (a delta creates new ones after the old ones, a fresh load in declaration order).
/// Rules keep their order.
enum Listing {
    /// `nft list table`.
    static func normalize(_ text: String) -> String {
        var head: [String] = [], blocks: [[String]] = [], current: [String]?
        for line in stripCounters(text).split(separator: "\n").map(String.init) where !line.isEmpty {
            if current == nil, line.range(of: #"^\t(set|map|counter|limit|chain) "#, options: .regularExpression) != nil {
                current = [line]
            } else if current != nil {
                current!.append(line)
                if line == "\t}" {
                    blocks.append(current!)
                    current = nil
                }
            } else {
                head.append(line)
            }
        }
        let sorted = blocks.map { sortingElements(in: $0.joined(separator: "\n")) }.sorted()
        return (head + sorted).joined(separator: "\n")
    }

    /// `nft --debug=netlink list table` without its text listing: element records per set and
    /// expression records per rule; sets sorted by name, rules stably by chain.
    static func normalizeBytecode(_ text: String) -> String {
        var records: [(header: String, body: [String])] = []
        for line in stripCounters(text).split(separator: "\n").map(String.init) {
            if line.hasPrefix("table ") { break }
            if line.hasPrefix("inet ") {
                let header = line.replacingOccurrences(of: #"( \d+)+$"#, with: "", options: .regularExpression)
                records.append((header, []))
            } else if !line.isEmpty, !records.isEmpty {
                records[records.count - 1].body.append(line)
            }
        }
        return records.enumerated()
            .map { index, record in (record.header, index, record.header.contains(" @") ? record.body.sorted() : record.body) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { ([$0.0] + $0.2).joined(separator: "\n") }
            .joined(separator: "\n")
    }

    private static func stripCounters(_ text: String) -> String {
        text.replacingOccurrences(of: #"counter packets \d+ bytes \d+"#, with: "counter", options: .regularExpression)
            .replacingOccurrences(of: #"counter pkts \d+ bytes \d+"#, with: "counter", options: .regularExpression)
            .replacingOccurrences(of: #"\n\t\tpackets \d+ bytes \d+"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #" # handle \d+"#, with: "", options: .regularExpression)
    }

    private static func sortingElements(in block: String) -> String {
        guard let start = block.range(of: "elements = {"), let end = block[start.upperBound...].firstIndex(of: "}") else {
            return block
        }
        let elements = block[start.upperBound..<end].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.sorted()
        return block[..<start.upperBound] + "\n\t\t\t" + elements.joined(separator: ",\n\t\t\t") + "\n\t\t" + block[end...]
    }
}
