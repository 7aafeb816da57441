import CNftables
import Glibc
import Ruleset

/// What a committed transaction cost.
public struct CommitReport: Sendable {
    /// Messages between BATCH_BEGIN and BATCH_END.
    public var messages: Int
    public var bytes: Int
    /// The kernel confirmed the commit (kernels ≥ 6.10 acknowledge BATCH_END only on success). Without
    /// it, no error still means committed, as nft assumes.
    public var acknowledged: Bool
    /// From sending the batch to the kernel's last reply: the kernel's share of the apply.
    public var kernelTime: Duration
}

/// A netlink connection to nftables in one network namespace: atomic transactions, the ruleset
/// generation, and dumps (see `readTable`). Use it from one thread at a time.
public final class NftConnection {
    let socket: NetlinkSocket
    private var nextSequence = UInt32(truncatingIfNeeded: time(nil))

    /// `netns`: a name under /var/run/netns; nil for the current network namespace.
    public convenience init(netns: String? = nil) throws {
        self.init(socket: try NetlinkSocket(namespace: netns))
    }

    init(socket: NetlinkSocket) {
        self.socket = socket
    }

    func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    /// The ruleset generation; every commit increments it.
    public func generation() throws -> UInt32 {
        let sequence = try request(NFT_MSG_GETGEN, family: UInt16(AF_UNSPEC), flags: 0) { _ in }
        var generation: UInt32?
        try socket.receive(awaiting: "GETGEN (sequence \(sequence))") { message in
            guard message.sequence == sequence else { return false }
            if let error = message.error { throw NftError.system("GETGEN", errno: error.code) }
            let gen = NftnlObject(.gen)
            guard nftnl_gen_nlmsg_parse(message.header, gen.pointer) >= 0 else { throw NftError.system("parse GETGEN", errno: errno) }
            generation = gen.attributes.u32(NFTNL_GEN_ID)
            return true
        }
        guard let generation else { throw NftError.system("GETGEN without an answer", errno: EPROTO) }
        return generation
    }

    /// Sends one request outside a batch (`payload` fills in its attributes); returns its sequence number.
    func request(_ type: nf_tables_msg_types, family: UInt16, flags: Int32,
                 payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws -> UInt32 {
        let sequence = takeSequence()
        var buffer = [UInt8](repeating: 0, count: 1024)
        try buffer.withUnsafeMutableBytes { bytes in
            guard let start = bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                  let header = nftnl_nlmsg_build_hdr(start, Netlink.messageType(type.rawValue), family, UInt16(flags), sequence) else {
                throw NftError.system("build \(Netlink.name(type)) request", errno: EINVAL)
            }
            payload(header)
            try socket.send(UnsafeRawBufferPointer(start: start, count: Int(header.pointee.nlmsg_len)))
        }
        return sequence
    }

    /// Sends `operations` as one batch, which the kernel applies entirely or not at all. `sets` declares
    /// the sets that rules look up but the operations do not add. With `generation`, the batch is refused
    /// (`NftError.generationChanged`) if anyone committed since that generation was read.
    @discardableResult
    public func commit(_ operations: [RulesetOperation], table: TableIdentity, sets: [NamedSet] = [],
                       generation: UInt32? = nil) throws -> CommitReport {
        let batch = try Batch(firstSequence: takeSequence(), generation: generation)
        let elements = try TransactionEncoder(table: table, operations: operations, sets: sets).encode(operations, into: batch)
        try batch.finish()
        nextSequence = batch.endSequence &+ 1
        var (parts, length) = batch.iovecs()
        // One datagram must fit the send buffer; a refused batch may answer every message.
        try socket.reserve(send: length + 65536, receive: max(batch.messages.count * 1024, 1 << 20))
        let sent = ContinuousClock.now
        try socket.send(&parts, length: length)

        var rejections: [(sequence: UInt32, rejection: Rejection)] = [], acknowledged = false, restart = false
        try socket.drain { message in
            guard let error = message.error else { return }
            let sequence = error.request.nlmsg_seq
            if error.code == 0 {
                if sequence == batch.endSequence { acknowledged = true }
            } else if let sent = batch.message(sequence: sequence) {
                let object = RejectionText.object(of: operations[sent.operation], table: table, message: sent,
                                                  offset: error.attributeOffset, elements: elements[sent.operation])
                rejections.append((sequence, Rejection(operation: sent.operation, object: object, errno: error.code)))
            } else if sequence == batch.beginSequence {
                // Commit-phase errors, and a stale generation, come back on BATCH_BEGIN.
                if error.code == ERESTART { restart = true }
                let rejection = Rejection(operation: nil, object: "transaction on table \(table)", errno: error.code)
                rejections.append((sequence, rejection))
            }
        }
        if restart { throw NftError.generationChanged }
        guard rejections.isEmpty else { throw NftError.rejected(rejections.sorted { $0.sequence < $1.sequence }.map(\.rejection)) }
        return CommitReport(messages: batch.messages.count, bytes: length, acknowledged: acknowledged, kernelTime: ContinuousClock.now - sent)
    }
}
