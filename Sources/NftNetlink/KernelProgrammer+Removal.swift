import Ruleset

extension KernelProgrammer {
    /// Deletes the agent's table in one transaction and returns what it held; nil when there was none.
    /// Everything the agent enforced stops with it: this is `agent cleanup`, not a shutdown step.
    public func removeTable() throws -> Ruleset? {
        let generation = try connection.generation()
        guard let current = try readBack() else { return nil }
        try connection.commit([.deleteTable], table: table, generation: generation)
        return current
    }
}
