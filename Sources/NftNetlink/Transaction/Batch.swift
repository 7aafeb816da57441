import CNftables
import Glibc

/// One nftnl batch: BATCH_BEGIN, messages with consecutive sequence numbers, BATCH_END. It remembers
/// which operation each message came from, and where the message is, to explain the kernel's errors.
final class Batch {
    struct Message {
        let operation: Int
        /// The message as sent, for extended-ACK offsets.
        let header: UnsafeRawPointer
        /// For element messages: which of the operation's encoded elements it carries.
        let elements: Range<Int>?
    }

    private struct Intent {
        let operation: Int
        let elements: Range<Int>?
    }

    private let batch: OpaquePointer
    let beginSequence: UInt32
    private var intents: [Intent] = []
    /// Filled in by `finish`, from the pages to be sent.
    private(set) var messages: [Message] = []

    /// With `generation`, the kernel refuses the batch (ERESTART) if anyone committed since it was read.
    init(firstSequence: UInt32, generation: UInt32?) throws {
        // Like nft: large pages, and an overrun area that holds a whole message of up to 64 KiB.
        let page = UInt32(sysconf(Int32(_SC_PAGESIZE)))
        guard let batch = nftnl_batch_alloc(32 * page, 65535 + page) else { throw NftError.system("nftnl_batch_alloc", errno: ENOMEM) }
        self.batch = batch
        beginSequence = firstSequence
        guard let begin = nftnl_batch_begin(buffer, firstSequence) else { throw NftError.system("nftnl_batch_begin", errno: EINVAL) }
        if let generation { mnl_attr_put_u32(begin, UInt16(NFNL_BATCH_GENID.rawValue), generation.bigEndian) }
        try update()
    }

    deinit { nftnl_batch_free(batch) }

    private var buffer: UnsafeMutablePointer<CChar> {
        nftnl_batch_buffer(batch).assumingMemoryBound(to: CChar.self)
    }

    var endSequence: UInt32 { beginSequence &+ UInt32(intents.count) &+ 1 }

    /// Appends one message: `type` is an NFT_MSG_* value, `payload` fills in its attributes.
    func append(_ type: UInt32, family: UInt16, flags: Int32, operation: Int, elements: Range<Int>? = nil,
                payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws {
        let sequence = beginSequence &+ UInt32(intents.count) &+ 1
        guard let header = nftnl_nlmsg_build_hdr(buffer, Netlink.messageType(type), family, UInt16(flags), sequence) else {
            throw NftError.system("nftnl_nlmsg_build_hdr", errno: EINVAL)
        }
        payload(header)
        intents.append(Intent(operation: operation, elements: elements))
        try update()
    }

    /// Closes the batch. Only BATCH_END asks for an acknowledgement: on kernels ≥ 6.10 it arrives only
    /// if the commit succeeded, and per-message ACKs could overflow the receive buffer.
    func finish() throws {
        guard let end = nftnl_batch_end(buffer, endSequence) else { throw NftError.system("nftnl_batch_end", errno: EINVAL) }
        end.pointee.nlmsg_flags |= UInt16(NLM_F_ACK)
        try update()
        messages = try locateMessages()
    }

    /// Counts the message just written into the batch. When it overflows the page, libnftnl allocates a
    /// new page and copies the message there (libnftnl src/batch.c, `nftnl_batch_update`); that
    /// allocation can fail.
    private func update() throws {
        guard nftnl_batch_update(batch) == 0 else { throw NftError.system("nftnl_batch_update (a new batch page)", errno: ENOMEM) }
    }

    /// Each message where it is sent from. A pointer taken while building would be stale for every
    /// message that moved to a new page: it would still point into the old page's overrun area.
    private func locateMessages() throws -> [Message] {
        var headers: [UnsafeRawPointer] = []
        for part in iovecs().parts {
            NetlinkMessage.forEach(in: UnsafeRawBufferPointer(start: part.iov_base, count: part.iov_len)) { headers.append(UnsafeRawPointer($0.header)) }
        }
        // BATCH_BEGIN, the messages, BATCH_END.
        guard headers.count == intents.count + 2 else {
            throw NftError.system("batch pages hold \(headers.count) messages, \(intents.count + 2) were written", errno: EPROTO)
        }
        return zip(intents, headers.dropFirst()).map { Message(operation: $0.operation, header: $1, elements: $0.elements) }
    }

    func message(sequence: UInt32) -> Message? {
        let index = Int(sequence &- beginSequence) - 1
        return messages.indices.contains(index) ? messages[index] : nil
    }

    /// The pages to send as one datagram, and their total length.
    func iovecs() -> (parts: [iovec], length: Int) {
        var parts = [iovec](repeating: iovec(), count: Int(nftnl_batch_iovec_len(batch)))
        nftnl_batch_iovec(batch, &parts, UInt32(parts.count))
        return (parts, parts.reduce(0) { $0 + $1.iov_len })
    }
}
