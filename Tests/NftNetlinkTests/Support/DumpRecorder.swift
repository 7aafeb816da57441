import CNftables
@testable import NftNetlink

/// Records the replies of a kernel connection's dumps in the form `DumpReplay` replays: the object
/// messages of each dump, then an NLMSG_DONE.
final class DumpRecorder: DumpSource {
    private let connection: NftConnection
    private(set) var bytes: [UInt8] = []

    init(_ connection: NftConnection) {
        self.connection = connection
    }

    func dump(_ type: nf_tables_msg_types, family: UInt16, generation: UInt32?,
              request: (UnsafeMutablePointer<nlmsghdr>) -> Void, _ body: (UnsafePointer<nlmsghdr>) throws -> Void) throws {
        try connection.dump(type, family: family, generation: generation, request: request) { header in
            record(UnsafeRawBufferPointer(start: header, count: Int(header.pointee.nlmsg_len)))
            try body(header)
        }
        var done = nlmsghdr(nlmsg_len: UInt32(MemoryLayout<nlmsghdr>.size), nlmsg_type: UInt16(NLMSG_DONE), nlmsg_flags: 0,
                            nlmsg_seq: 0, nlmsg_pid: 0)
        withUnsafeBytes(of: &done) { record($0) }
    }

    private func record(_ message: UnsafeRawBufferPointer) {
        bytes += message
        bytes += [UInt8](repeating: 0, count: Netlink.align(message.count) - message.count)
    }
}
