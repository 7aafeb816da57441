import CNftables
import Glibc
import Synchronization

/// A second NETLINK_NETFILTER socket, subscribed to nf_tables notifications (NFNLGRP_NFTABLES) in the
/// agent's network namespace, that keeps a `GenerationLedger`. Like `nft monitor` (nftables
/// src/monitor.c `netlink_monitor`; src/mnl.c `mnl_set_rcvbuffer`): a 16 MiB receive buffer, forced past
/// rmem_max where the agent may. A classic BPF filter drops the messages of the agent's own commits in
/// the kernel, before they take buffer room (net/netlink/af_netlink.c `do_one_broadcast` runs
/// `sk_filter` before delivery), keeping their NEWGEN. One skb holds one commit's messages, so the
/// first message's port id speaks for all of them.
///
/// The commit socket itself is never subscribed: events would mix into its replies.
public final class NftEventListener: Sendable {
    private let descriptor: Int32
    private let receiver: Mutex<Receiver>
    /// Socket options the kernel refused: the listener works, with less (a smaller buffer overflows
    /// sooner, which costs a read-back; without the filter the agent's own messages are skipped here).
    public let refusedOptions: [String]

    private struct Receiver {
        var ledger: GenerationLedger
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    }

    /// `ownPortID`: the port id of the socket the agent commits through (`NetlinkSocket.portID`).
    public convenience init(netns: String? = nil, table: TableIdentity, ownPortID: UInt32, receiveBuffer: Int = 16 << 20,
                            filtersOwnMessages: Bool = true) throws {
        let descriptor = try NetlinkSocket.openBound(namespace: netns)
        var refused: [String] = []
        do {
            do {
                try NetlinkSocket.grow(descriptor, force: SO_RCVBUFFORCE, plain: SO_RCVBUF, "SO_RCVBUF", to: receiveBuffer)
            } catch {
                refused.append("notifications: \(error)")
            }
            if filtersOwnMessages, let code = Self.attachFilter(descriptor, ownPortID: ownPortID) {
                refused.append("notifications: SO_ATTACH_FILTER: \(NftError.message(code))")
            }
            if let code = NetlinkSocket.setOption(descriptor, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Int32(NFNLGRP_NFTABLES.rawValue)) {
                throw NftError.system("join the nf_tables notification group (NETLINK_ADD_MEMBERSHIP \(NFNLGRP_NFTABLES.rawValue))", errno: code)
            }
        } catch {
            close(descriptor)
            throw error
        }
        self.init(descriptor: descriptor, table: table, ownPortID: ownPortID, refusedOptions: refused)
    }

    /// Takes ownership of `descriptor`, a socket that receives notifications (tests: one end of a socketpair).
    init(descriptor: Int32, table: TableIdentity, ownPortID: UInt32, refusedOptions: [String] = []) {
        self.descriptor = descriptor
        receiver = Mutex(Receiver(ledger: GenerationLedger(table: table, ownPortID: ownPortID)))
        self.refusedOptions = refusedOptions
    }

    deinit { close(descriptor) }

    /// Waits up to `milliseconds` for notifications to read; false on timeout.
    public func wait(milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, milliseconds) > 0
    }

    /// Reads every queued notification into the ledger, without waiting, and returns the ledger.
    @discardableResult
    public func drain() -> GenerationLedger {
        receiver.withLock { receiver in
            let fd = descriptor
            while true {
                let count = receiver.buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC)) }
                if count < 0 {
                    switch errno {
                    case EAGAIN: return receiver.ledger
                    case EINTR: continue
                    // The kernel dropped notifications for want of room (`netlink_overrun`); the socket goes on.
                    case ENOBUFS: receiver.ledger.lost("notifications lost (ENOBUFS): the receive buffer overflowed")
                    case let code: receiver.ledger.lost("notifications unreadable: recv: \(NftError.message(code))"); return receiver.ledger
                    }
                    continue
                }
                guard count <= receiver.buffer.count else {
                    receiver.ledger.lost("notifications lost: a datagram of \(count) bytes did not fit \(receiver.buffer.count)")
                    continue
                }
                // Shares the buffer's storage: read only until the next recv.
                let received = receiver.buffer
                received.withUnsafeBytes { bytes in
                    NetlinkMessage.forEach(in: UnsafeRawBufferPointer(rebasing: bytes[..<count])) { message in
                        if let event = NftEvent(message) { receiver.ledger.record(event) }
                    }
                }
            }
        }
    }

    /// The table was read back at `generation`; see `GenerationLedger.accountRead`.
    func accountRead(through generation: UInt32, lossesBefore: Int) {
        drain()
        receiver.withLock { $0.ledger.accountRead(through: generation, lossesBefore: lossesBefore) }
    }

    /// The foreign changes up to `generation` were repaired.
    func accounted(through generation: UInt32) {
        receiver.withLock { $0.ledger.accounted(through: generation) }
    }

    /// Accepts a datagram unless its first message carries `ownPortID` and is not NEWGEN. BPF_ABS loads
    /// read big-endian, so the host-order fields are compared byte-swapped.
    private static func attachFilter(_ descriptor: Int32, ownPortID: UInt32) -> Int32? {
        let newGeneration = Netlink.messageType(NFT_MSG_NEWGEN.rawValue)
        let pidOffset = UInt32(MemoryLayout<nlmsghdr>.offset(of: \.nlmsg_pid)!)
        let typeOffset = UInt32(MemoryLayout<nlmsghdr>.offset(of: \.nlmsg_type)!)
        var program = [
            sock_filter(code: UInt16(BPF_LD | BPF_W | BPF_ABS), jt: 0, jf: 0, k: pidOffset),
            sock_filter(code: UInt16(BPF_JMP | BPF_JEQ | BPF_K), jt: 0, jf: 3, k: UInt32(bigEndian: ownPortID)),
            sock_filter(code: UInt16(BPF_LD | BPF_H | BPF_ABS), jt: 0, jf: 0, k: typeOffset),
            sock_filter(code: UInt16(BPF_JMP | BPF_JEQ | BPF_K), jt: 1, jf: 0, k: UInt32(UInt16(bigEndian: newGeneration))),
            sock_filter(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0),
            sock_filter(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0xffff_ffff),
        ]
        return program.withUnsafeMutableBufferPointer { instructions in
            var filter = sock_fprog(len: UInt16(instructions.count), filter: instructions.baseAddress)
            return setsockopt(descriptor, SOL_SOCKET, SO_ATTACH_FILTER, &filter, socklen_t(MemoryLayout<sock_fprog>.size)) == 0 ? nil : errno
        }
    }
}
