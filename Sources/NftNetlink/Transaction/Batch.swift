import CNftables
import Glibc

/// One nftnl batch: BATCH_BEGIN, messages with consecutive sequence numbers, BATCH_END. It remembers
/// which operation each message came from, and where the message is, to explain the kernel's errors.
final class Batch {
    struct Message {
        let operation: Int
        /// The message as sent, for extended-ACK offsets. Batch pages never move, so this stays valid.
        let header: UnsafeRawPointer
        /// For element messages: which of the operation's encoded elements it carries.
        let elements: Range<Int>?
    }

    private let batch: OpaquePointer
    let beginSequence: UInt32
    private(set) var messages: [Message] = []

    /// With `generation`, the kernel refuses the batch (ERESTART) if anyone committed since it was read.
    init(firstSequence: UInt32, generation: UInt32?) {
        // Like nft: large pages, and an overrun area that holds a whole message of up to 64 KiB.
        let page = UInt32(sysconf(Int32(_SC_PAGESIZE)))
        guard let batch = nftnl_batch_alloc(32 * page, 65535 + page) else { fatalError("libnftnl: out of memory") }
        self.batch = batch
        beginSequence = firstSequence
        let begin = nftnl_batch_begin(buffer, firstSequence)
        if let generation { mnl_attr_put_u32(begin, UInt16(NFNL_BATCH_GENID.rawValue), generation.bigEndian) }
        nftnl_batch_update(batch)
    }

    deinit { nftnl_batch_free(batch) }

    private var buffer: UnsafeMutablePointer<CChar> {
        nftnl_batch_buffer(batch).assumingMemoryBound(to: CChar.self)
    }

    var endSequence: UInt32 { beginSequence &+ UInt32(messages.count) &+ 1 }

    /// Appends one message: `type` is an NFT_MSG_* value, `payload` fills in its attributes.
    func append(_ type: UInt32, family: UInt16, flags: Int32, operation: Int, elements: Range<Int>? = nil,
                payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) {
        let sequence = beginSequence &+ UInt32(messages.count) &+ 1
        let header = nftnl_nlmsg_build_hdr(buffer, Netlink.messageType(type), family, UInt16(flags), sequence)!
        payload(header)
        messages.append(Message(operation: operation, header: UnsafeRawPointer(header), elements: elements))
        nftnl_batch_update(batch)
    }

    /// Closes the batch. Only BATCH_END asks for an acknowledgement: on kernels ≥ 6.10 it arrives only
    /// if the commit succeeded, and per-message ACKs could overflow the receive buffer.
    func finish() {
        let end = nftnl_batch_end(buffer, endSequence)!
        end.pointee.nlmsg_flags |= UInt16(NLM_F_ACK)
        nftnl_batch_update(batch)
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
