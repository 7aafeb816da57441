/// The samples of a Prometheus text exposition, keyed by name and labels as printed:
/// `netpol_agent_apply_duration_seconds_count{mode="full"}` → 1.
func samples(_ exposition: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        result[String(line[..<space])] = value
    }
    return result
}
