import CNftables
import Glibc

/// A dump cut by a commit, or answered from another generation: read everything again.
struct DumpInterrupted: Error {}

extension NftConnection {
    /// Runs `read` against the current generation, and again whenever the ruleset changed under it.
    func consistentRead<T>(_ what: String, _ read: (_ generation: UInt32) throws -> T) throws -> (T, generation: UInt32) {
        for _ in 0..<10 {
            let generation = try self.generation()
            do {
                return (try read(generation), generation)
            } catch is DumpInterrupted {
                continue
            } catch NftError.system(let call, let code) {
                // A dump refused (ENOENT) because the table went away meanwhile: read again.
                guard try self.generation() != generation else { throw NftError.system(call, errno: code) }
            }
        }
        throw NftError.system("\(what): the ruleset kept changing", errno: EAGAIN)
    }

    /// One NLM_F_DUMP request of `type`; `body` sees each object message. Each message must come from
    /// `generation` (nfgenmsg.res_id holds its low 16 bits), or the read is restarted, as nft does;
    /// nil when the caller checks consistency otherwise (`readTable(_:watchedBy:)`).
    func dump(_ type: nf_tables_msg_types, family: UInt16, generation: UInt32?,
              request: (UnsafeMutablePointer<nlmsghdr>) -> Void, _ body: (UnsafePointer<nlmsghdr>) throws -> Void) throws {
        let sequence = try self.request(type, family: family, flags: Int32(NLM_F_DUMP), payload: request)
        var interrupted = false
        try socket.receive(awaiting: "dump \(Netlink.name(type)) (sequence \(sequence))") { message in
            guard message.sequence == sequence else { return false }
            if generation != nil, message.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
            if message.isDone { return true }
            if let error = message.error {
                guard error.code == 0 else { throw NftError.system("dump \(Netlink.name(type))", errno: error.code) }
                return true
            }
            if let generation, message.generationLow16 != UInt16(truncatingIfNeeded: generation) { interrupted = true }
            if !interrupted { try body(message.header) }
            return false
        }
        if interrupted { throw DumpInterrupted() }
    }
}
