/// What a named counter has counted since it was created.
public struct CounterValues: Hashable, Sendable {
    public var packets: UInt64
    public var bytes: UInt64

    public init(packets: UInt64, bytes: UInt64) {
        self.packets = packets
        self.bytes = bytes
    }
}

extension NftConnection {
    /// The current values of every named counter of `table`, by name; empty if there is no such table.
    /// One netlink dump of the table's objects (GETOBJ): it reads the counters without resetting them,
    /// and reads nothing else.
    public func readCounters(_ table: TableIdentity) throws -> [String: CounterValues] {
        try consistentRead("read counters of table \(table)") { generation in
            try TableDump(connection: self, table: table, generation: generation).counterValues()
        }.0
    }
}
