import CNftables
import Glibc
import Ruleset

/// Dump replies replayed from bytes: netlink messages back to back, each dump's reply ended by
/// NLMSG_DONE, in the order `TableDump` asks for them (table, sets, each set's elements, chains,
/// rules, objects). An NLMSG_ERROR with an errno fails the dump, as the kernel's would.
final class DumpReplay: DumpSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The table as `readTable` would decode it from these replies.
    static func readTable(_ table: TableIdentity, from bytes: [UInt8]) throws -> Ruleset? {
        try TableDump(connection: DumpReplay(bytes), table: table, generation: 0).read()
    }

    func dump(_ type: nf_tables_msg_types, family: UInt16, generation: UInt32?,
              request: (UnsafeMutablePointer<nlmsghdr>) -> Void, _ body: (UnsafePointer<nlmsghdr>) throws -> Void) throws {
        try bytes.withUnsafeBytes { all in
            let rest = UnsafeRawBufferPointer(rebasing: all[offset...])
            var done = false
            offset = all.count
            try NetlinkMessage.forEach(in: rest) { message in
                guard !done else { return }
                if message.isDone {
                    done = true
                } else if let error = message.error {
                    done = true
                    if error.code != 0 { throw NftError.system("dump \(type.rawValue)", errno: error.code) }
                } else {
                    try body(message.header)
                }
                if done { offset = UnsafeRawPointer(message.header) - all.baseAddress! + Netlink.align(Int(message.header.pointee.nlmsg_len)) }
            }
        }
    }
}
