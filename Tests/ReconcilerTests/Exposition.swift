/// Reading samples out of the Prometheus text format.
enum Exposition {
    /// The value of one sample line, e.g. `netpol_agent_apply_failures_total{mode="full"}`.
    static func value(_ exposition: String, _ sample: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}
