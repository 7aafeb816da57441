import CNftables
import Glibc

/// A NETLINK_NETFILTER socket, in the network namespace it was created in. It talks to the kernel
/// through the socket's default destination (port 0), so any connected datagram socket can stand in
/// for it (tests use a socketpair as a fake kernel).
///
/// Every wait for a reply has a deadline (`replyTimeout`): a kernel that does not answer fails the
/// request with `NftError.noReply`, naming what was awaited, instead of blocking its caller for good.
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
        self.init(descriptor: try Self.openBound(namespace: namespace), replyTimeout: replyTimeout)
    }

    /// A bound NETLINK_NETFILTER socket descriptor in the current namespace, or in the named one.
    static func openBound(namespace: String?) throws -> Int32 {
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
        return descriptor
    }

    /// Takes ownership of `descriptor`, a connected datagram socket.
    init(descriptor: Int32, replyTimeout: Duration = defaultReplyTimeout) {
        self.descriptor = descriptor
        self.replyTimeout = replyTimeout
        // EXT_ACK: errors carry the offset of the faulty attribute. CAP_ACK: errors do not echo the request
        // (a failing 64 KiB element message would otherwise cost 64 KiB of receive buffer). Neither is
        // needed to apply correctly, so a refusal is reported, not fatal: without EXT_ACK an error names
        // the operation but not the element; without CAP_ACK an error storm may overflow the receive
        // buffer, which reads as ENOBUFS, an unknown outcome the next apply checks.
        for (name, option) in [("NETLINK_EXT_ACK", NETLINK_EXT_ACK), ("NETLINK_CAP_ACK", NETLINK_CAP_ACK)] {
            if let code = setOption(SOL_NETLINK, option, 1) { refusedOptions.append("setsockopt \(name): \(NftError.message(code))") }
        }
    }

    deinit { close(descriptor) }

    private static func open() throws -> Int32 {
        let descriptor = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_NETFILTER)
        guard descriptor >= 0 else { throw NftError.system("socket(AF_NETLINK, NETLINK_NETFILTER)", errno: errno) }
        return descriptor
    }

    /// nil when set, else the errno.
    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32) -> Int32? {
        Self.setOption(descriptor, level, name, value)
    }

    static func setOption(_ descriptor: Int32, _ level: Int32, _ name: Int32, _ value: Int32) -> Int32? {
        var value = value
        return setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 ? nil : errno
    }

    /// The port id the kernel gave this socket at bind: it stamps it as `nlmsg_pid` on the notifications
    /// of every commit sent through it (net/netfilter/nf_tables_api.c `nf_tables_fill_gen_info`).
    var portID: UInt32 { Self.portID(of: descriptor) }

    static func portID(of descriptor: Int32) -> UInt32 {
        var local = sockaddr_nl()
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return named == 0 ? local.nl_pid : 0
    }

    /// Grows the kernel buffers: a batch travels as one datagram, and a rejected batch can answer every
    /// message with an error. A send buffer that cannot grow fails the transaction (the batch may not
    /// fit it); a receive buffer that cannot grow stays as it is (an overflow reads as ENOBUFS). Either
    /// way only a size actually set is remembered, so the next transaction tries again.
    func reserve(send: Int, receive: Int) throws {
        if send > sendBufferSize {
            try grow(force: SO_SNDBUFFORCE, plain: SO_SNDBUF, "SO_SNDBUF", to: send)
            sendBufferSize = send
        }
        if receive > receiveBufferSize, (try? grow(force: SO_RCVBUFFORCE, plain: SO_RCVBUF, "SO_RCVBUF", to: receive)) != nil {
            receiveBufferSize = receive
        }
    }

    private func grow(force: Int32, plain: Int32, _ name: String, to size: Int) throws {
        try Self.grow(descriptor, force: force, plain: plain, name, to: size)
    }

    /// The FORCE option passes the sysctl caps with CAP_NET_ADMIN; else the plain one, capped by them.
    static func grow(_ descriptor: Int32, force: Int32, plain: Int32, _ name: String, to size: Int) throws {
        guard setOption(descriptor, SOL_SOCKET, force, Int32(clamping: size)) != nil else { return }
        if let code = setOption(descriptor, SOL_SOCKET, plain, Int32(clamping: size)) {
            throw NftError.system("setsockopt \(name) (and \(name)FORCE) to \(size) bytes", errno: code)
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
        guard sent == message.count else { throw NftError.system("send netlink", errno: sent < 0 ? errno : EMSGSIZE) }
    }

    /// Every reply already queued, without waiting: the kernel handles a batch inside sendmsg.
    func drain(_ body: (NetlinkMessage) throws -> Void) throws {
        while try receiveQueued(body) {}
    }

    /// Waits for replies until `body` says the answer is complete; `awaiting` names the request for
    /// the error when a reply does not come within `replyTimeout`.
    func receive(awaiting: @autoclosure () -> String, until body: (NetlinkMessage) throws -> Bool) throws {
        var done = false
        while !done {
            try waitForReply(awaiting: awaiting())
            _ = try receiveQueued { message in if try body(message) { done = true } }
        }
    }

    private func waitForReply(awaiting: @autoclosure () -> String) throws {
        let deadline = ContinuousClock.now + replyTimeout
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw NftError.noReply(awaiting(), after: replyTimeout) }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            switch poll(&poller, 1, milliseconds) {
            case 1...: return
            case 0: continue
            default: guard errno == EINTR else { throw NftError.system("poll netlink", errno: errno) }
            }
        }
    }

    /// One queued datagram, without waiting; false when none is queued. A datagram larger than the
    /// buffer is an error: MSG_TRUNC makes recv return its real length.
    private func receiveQueued(_ body: (NetlinkMessage) throws -> Void) throws -> Bool {
        let fd = descriptor
        return try receiveBuffer.withUnsafeMutableBytes { buffer in
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            if count < 0 {
                switch errno {
                case EAGAIN: return false
                case EINTR: return true
                case ENOBUFS: throw NftError.outcomeUnknown("the kernel dropped replies (ENOBUFS)")
                case let code: throw NftError.system("recv netlink", errno: code)
                }
            }
            guard count <= buffer.count else {
                throw NftError.system("recv netlink: a datagram of \(count) bytes does not fit the \(buffer.count)-byte receive buffer",
                                      errno: EMSGSIZE)
            }
            try NetlinkMessage.forEach(in: UnsafeRawBufferPointer(rebasing: buffer[..<count]), body)
            return true
        }
    }
}
