import CNftables

/// Where a `TableDump` gets its dump replies: the kernel (`NftConnection`), or recorded bytes
/// (`DumpReplay`), which lets the decoding be tested and fuzzed without a kernel.
protocol DumpSource {
    /// One dump of `type`; `body` sees each object message of the reply, in order.
    func dump(_ type: nf_tables_msg_types, family: UInt16, generation: UInt32?,
              request: (UnsafeMutablePointer<nlmsghdr>) -> Void, _ body: (UnsafePointer<nlmsghdr>) throws -> Void) throws
}

extension NftConnection: DumpSource {}
