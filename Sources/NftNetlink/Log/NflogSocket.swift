import CNftables
import Glibc

/// A NETLINK_NETFILTER socket bound to one nfnetlink_log group (linux/netfilter/nfnetlink_log.h;
/// net/netfilter/nfnetlink_log.c). The kernel queues a message per logged packet; when this socket's
/// receive buffer is full it drops messages and the next recv fails with ENOBUFS: lost log lines,
/// never a delay for the packet, which the rule after the log statement has already judged. One
/// thread reads it at a time (hence unchecked Sendable: it moves to the reader thread once).
public final class NflogSocket: @unchecked Sendable {
    private let descriptor: Int32
    private let group: UInt16
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var sequence: UInt32 = 0
    /// The kernel's number (NFULA_SEQ) the next message should carry: our bind creates the group's
    /// instance, which numbers from 0 (net/netfilter/nfnetlink_log.c `instance_create`, `inst->seq++`).
    private var expectedNumber: UInt32 = 0
    /// Messages the kernel numbered but this socket never received: dropped for want of buffer room.
    public private(set) var lost: UInt64 = 0

    /// Binds `group` in the current network namespace, or in the named one, copying `LoggedPacket.copyRange`
    /// bytes of each packet. Fails if another socket has the group (EBUSY).
    public init(group: UInt16, namespace: String? = nil, receiveBuffer: Int = 1 << 20) throws {
        let descriptor = try NetlinkSocket.openBound(namespace: namespace)
        self.descriptor = descriptor
        self.group = group
        var size = Int32(clamping: receiveBuffer)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) == 0
            || setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0
        // Without an acknowledged bind the kernel sends nothing: say why now, not by silence later.
        try configure(group: group) { message in
            var command = nfulnl_msg_config_cmd(command: UInt8(NFULNL_CFG_CMD_BIND.rawValue))
            mnl_attr_put(message, UInt16(NFULA_CFG_CMD.rawValue), MemoryLayout<nfulnl_msg_config_cmd>.size, &command)
        }
        try configure(group: group) { message in
            var mode = nfulnl_msg_config_mode(copy_range: LoggedPacket.copyRange.bigEndian, copy_mode: UInt8(NFULNL_COPY_PACKET), _pad: 0)
            mnl_attr_put(message, UInt16(NFULA_CFG_MODE.rawValue), MemoryLayout<nfulnl_msg_config_mode>.size, &mode)
            // A message per packet, at once: by default the kernel batches up to 100 packets or a second
            // (NFULNL_QTHRESH_DEFAULT, NFULNL_TIMEOUT_DEFAULT); the rate limit already bounds the messages.
            mnl_attr_put_u32(message, UInt16(NFULA_CFG_QTHRESH.rawValue), UInt32(1).bigEndian)
            // Numbered messages: the kernel numbers each one it builds, so a gap counts exactly the ones lost.
            mnl_attr_put_u16(message, UInt16(NFULA_CFG_FLAGS.rawValue), UInt16(NFULNL_CFG_F_SEQ).bigEndian)
        }
    }

    deinit { close(descriptor) }

    /// One NFULNL_MSG_CONFIG request for `group` (res_id), acknowledged.
    private func configure(group: UInt16, _ attributes: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws {
        sequence += 1
        var request = [UInt8](repeating: 0, count: 256)
        let length = request.withUnsafeMutableBytes { raw -> Int in
            let message = mnl_nlmsg_put_header(raw.baseAddress)!
            message.pointee.nlmsg_type = UInt16(NFNL_SUBSYS_ULOG) << 8 | UInt16(NFULNL_MSG_CONFIG.rawValue)
            message.pointee.nlmsg_flags = UInt16(NLM_F_REQUEST | NLM_F_ACK)
            message.pointee.nlmsg_seq = sequence
            let header = mnl_nlmsg_put_extra_header(message, MemoryLayout<nfgenmsg>.size)!.assumingMemoryBound(to: nfgenmsg.self)
            header.pointee.nfgen_family = UInt8(AF_UNSPEC)
            header.pointee.version = UInt8(NFNETLINK_V0)
            header.pointee.res_id = group.bigEndian
            attributes(message)
            return Int(message.pointee.nlmsg_len)
        }
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, length, 0) }) == length else {
            throw NftError.system("send nflog config for group \(group)", errno: errno)
        }
        var acknowledged = false
        while !acknowledged {
            guard try wait(milliseconds: 5000) else { throw NftError.noReply("nflog config for group \(group)", after: .seconds(5)) }
            try receive { message in
                guard let error = message.error, message.sequence == sequence else { return }
                guard error.code == 0 else { throw NftError.system("bind nflog group \(group)", errno: error.code) }
                acknowledged = true
            }
        }
    }

    /// Waits up to `milliseconds` for something to read; false on timeout.
    private func wait(milliseconds: Int32) throws -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, milliseconds)
        guard ready >= 0 || errno == EINTR else { throw NftError.system("poll nflog", errno: errno) }
        return ready > 0
    }

    /// What one wait brought.
    public enum Reception: Equatable {
        /// The packets of one datagram; none when the wait timed out.
        case packets([LoggedPacket])
        /// The kernel dropped messages for want of buffer room (ENOBUFS); the next message received
        /// tells how many (`lost`).
        case overflow
    }

    /// Reads one queued datagram without waiting; false when the kernel reports an overflow instead.
    @discardableResult
    private func receive(_ body: (NetlinkMessage) throws -> Void) throws -> Bool {
        let fd = descriptor
        return try buffer.withUnsafeMutableBytes { raw -> Bool in
            let count = recv(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT))
            guard count >= 0 else {
                switch errno {
                case ENOBUFS: return false
                case EAGAIN, EINTR: return true
                case let code: throw NftError.system("recv nflog", errno: code)
                }
            }
            try NetlinkMessage.forEach(in: UnsafeRawBufferPointer(rebasing: raw[..<count]), body)
            return true
        }
    }

    /// Waits up to `milliseconds`, then reads one datagram.
    public func next(waitingUpTo milliseconds: Int32) throws -> Reception {
        guard try wait(milliseconds: milliseconds) else { return .packets([]) }
        var packets: [LoggedPacket] = []
        let received = try receive { message in
            guard let (packet, number) = Self.packet(in: message) else { return }
            if let number {
                lost += UInt64(number &- expectedNumber)
                expectedNumber = number &+ 1
            }
            if let packet { packets.append(packet) }
        }
        return received ? .packets(packets) : .overflow
    }

    /// NFULNL_MSG_PACKET: NFULA_PREFIX and NFULA_PAYLOAD (from the network header) are what the agent reads,
    /// and NFULA_SEQ, the message's number; nil for any other message.
    static func packet(in message: NetlinkMessage) -> (packet: LoggedPacket?, number: UInt32?)? {
        guard message.type == UInt16(NFNL_SUBSYS_ULOG) << 8 | UInt16(NFULNL_MSG_PACKET.rawValue) else { return nil }
        var prefix = "", payload: UnsafeRawBufferPointer?, number: UInt32?
        let header = UnsafeMutablePointer(mutating: message.header)
        var attribute = mnl_nlmsg_get_payload_offset(header, MemoryLayout<nfgenmsg>.size)?.assumingMemoryBound(to: nlattr.self)
        let end = UnsafeRawPointer(header) + Int(header.pointee.nlmsg_len)
        while let current = attribute, mnl_attr_ok(current, Int32(end - UnsafeRawPointer(current))) {
            let value = UnsafeRawBufferPointer(start: mnl_attr_get_payload(current), count: Int(mnl_attr_get_payload_len(current)))
            switch mnl_attr_get_type(current) {
            case UInt16(NFULA_PREFIX.rawValue): prefix = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
            case UInt16(NFULA_PAYLOAD.rawValue): payload = value
            case UInt16(NFULA_SEQ.rawValue) where value.count == 4: number = UInt32(bigEndian: value.loadUnaligned(as: UInt32.self))
            default: break
            }
            attribute = mnl_attr_next(current)
        }
        return (payload.flatMap { LoggedPacket(prefix: prefix, payload: $0) }, number)
    }
}
