import NetnsLab

extension Lab {
    /// Probes every cell and returns those whose outcome differs from the expectation. A probe that
    /// disagrees is repeated (twice at most), as upstream retries, so a slow machine does not fail a
    /// case; a wrong allow stays wrong. So the timeout can be short: a denied probe (drop) costs the
    /// whole timeout, and an allowed one slower than it is probed again.
    func disagreements(_ cells: [(probe: Probe, expected: Bool)], timeout: Duration = .milliseconds(500)) throws -> [(probe: Probe, expected: Bool)] {
        var pending = cells
        for _ in 0..<3 where !pending.isEmpty {
            let observed = try probe(pending.map(\.probe), timeout: timeout)
            pending = zip(pending, observed).filter { $0.0.expected != $0.1 }.map(\.0)
        }
        return pending
    }
}
