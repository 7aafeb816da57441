import CNftables
import Glibc

/// A NETLINK_NETFILTER socket, in the network namespace it was created in. It talks to the kernel
/// through the socket's default destination (port 0), so any connected datagram socket can stand in
/// for it (tests use a socketpair as a fake kernel).
final class NetlinkSocket {
    private let descriptor: Int32
    private var receiveBuffer = [UInt8](repeating: 0, count: 128 * 1024)
    private var sendBufferSize = 0, receiveBufferSize = 0
    /// How long to wait for each reply datagram.
    let replyTimeout: Duration
    static let defaultReplyTimeout: Duration = .seconds(10)
    /// Socket options the kernel refused at setup, each with why: the socket works, with less.
    private(set) var refusedOptions: [String] = []

    /// In the current namespace, or in the named one (see `NetworkNamespace`).
    convenience init(namespace: String?, replyTimeout: Duration = defaultReplyTimeout) throws {
        let descriptor = try namespace.map { name in try NetworkNamespace.run(in: name, Self.open) } ?? Self.open()
        var local = sockaddr_nl()
        local.nl_family = sa_family_t(AF_NETLINK)  // nl_pid 0: the kernel picks a free port id
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw NftError.system("bind netlink socket", errno: code)
        }
        self.init(descriptor: descriptor, replyTimeout: replyTimeout)
    }

    /// Takes ownership of `descriptor`, a connected datagram socket.
    init(descriptor: Int32, replyTimeout: Duration = defaultReplyTimeout) {
        self.descriptor = descriptor
        self.replyTimeout = replyTimeout
        // Errors carry the offset of the faulty attribute, and do not echo the request (a failing 64 KiB
        // element message would otherwise cost 64 KiB of receive buffer).
        setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    }

    deinit { close(descriptor) }

    private static func open() throws -> Int32 {
        let descriptor = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_NETFILTER)
        guard descriptor >= 0 else { throw NftError.system("socket(AF_NETLINK, NETLINK_NETFILTER)", errno: errno) }
        return descriptor
    }

    @discardableResult
    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32) -> Bool {
        var value = value
        return setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Grows the kernel buffers: a batch travels as one datagram, and a rejected batch can answer every
    /// message with an error. The FORCE options pass the sysctl caps with CAP_NET_ADMIN; else the plain ones.
    func reserve(send: Int, receive: Int) {
        if send > sendBufferSize {
            let size = Int32(clamping: send)
            if !setOption(SOL_SOCKET, SO_SNDBUFFORCE, size) { setOption(SOL_SOCKET, SO_SNDBUF, size) }
            sendBufferSize = send
        }
        if receive > receiveBufferSize {
            let size = Int32(clamping: receive)
            if !setOption(SOL_SOCKET, SO_RCVBUFFORCE, size) { setOption(SOL_SOCKET, SO_RCVBUF, size) }
            receiveBufferSize = receive
        }
    }

    /// Sends one datagram gathered from `parts`, to the kernel.
    func send(_ parts: inout [iovec], length: Int) throws {
        let sent = parts.withUnsafeMutableBufferPointer { vectors in
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            message.msg_iovlen = vectors.count
            return sendmsg(descriptor, &message, 0)
        }
        guard sent == length else { throw NftError.system("sendmsg (\(length) bytes)", errno: sent < 0 ? errno : EMSGSIZE) }
    }

    func send(_ message: UnsafeRawBufferPointer) throws {
        let sent = Glibc.send(descriptor, message.baseAddress, message.count, 0)
        guard sent == message.count else { throw NftError.system("send netlink", errno: errno) }
    }

    /// Every reply already queued, without waiting: the kernel handles a batch inside sendmsg.
    func drain(_ body: (NetlinkMessage) throws -> Void) throws {
        while try receive(flags: Int32(MSG_DONTWAIT), body) {}
    }

    /// Waits for replies until `body` says the answer is complete.
    func receive(until body: (NetlinkMessage) throws -> Bool) throws {
        var done = false
        while !done {
            guard try receive(flags: 0, { message in if try body(message) { done = true } }) else { return }
        }
    }

    /// One datagram; false when none is queued (non-blocking).
    private func receive(flags: Int32, _ body: (NetlinkMessage) throws -> Void) throws -> Bool {
        let fd = descriptor
        return try receiveBuffer.withUnsafeMutableBytes { buffer in
            let count = recv(fd, buffer.baseAddress, buffer.count, flags)
            if count < 0 {
                switch errno {
                case EAGAIN: return false
                case EINTR: return true
                case ENOBUFS: throw NftError.outcomeUnknown("the kernel dropped replies (ENOBUFS)")
                case let code: throw NftError.system("recv netlink", errno: code)
                }
            }
            try NetlinkMessage.forEach(in: UnsafeRawBufferPointer(rebasing: buffer[..<count]), body)
            return true
        }
    }
}
