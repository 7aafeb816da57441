import CNftables
import Glibc

/// A NETLINK_NETFILTER socket (libmnl), in the network namespace it was created in.
final class NetlinkSocket {
    private let socket: OpaquePointer
    private var receiveBuffer = [UInt8](repeating: 0, count: 128 * 1024)
    private var sendBufferSize = 0, receiveBufferSize = 0

    /// In the current namespace, or in the named one (see `NetworkNamespace`).
    init(namespace: String?) throws {
        let descriptor = try namespace.map { name in try NetworkNamespace.run(in: name, Self.open) } ?? Self.open()
        guard let socket = mnl_socket_fdopen(descriptor) else {
            close(descriptor)
            throw NftError.system("mnl_socket_fdopen", errno: errno)
        }
        self.socket = socket
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let code = errno
            mnl_socket_close(socket)
            throw NftError.system("bind netlink socket", errno: code)
        }
        // Errors carry the offset of the faulty attribute, and do not echo the request (a failing 64 KiB
        // element message would otherwise cost 64 KiB of receive buffer).
        setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    }

    deinit { mnl_socket_close(socket) }

    private static func open() throws -> Int32 {
        let descriptor = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_NETFILTER)
        guard descriptor >= 0 else { throw NftError.system("socket(AF_NETLINK, NETLINK_NETFILTER)", errno: errno) }
        return descriptor
    }

    private var descriptor: Int32 { mnl_socket_get_fd(socket) }

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
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = withUnsafeMutablePointer(to: &kernel) { address in
            parts.withUnsafeMutableBufferPointer { vectors in
                var message = msghdr()
                message.msg_name = UnsafeMutableRawPointer(address)
                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
                message.msg_iov = vectors.baseAddress
                message.msg_iovlen = vectors.count
                return sendmsg(descriptor, &message, 0)
            }
        }
        guard sent == length else { throw NftError.system("sendmsg (\(length) bytes)", errno: sent < 0 ? errno : EMSGSIZE) }
    }

    func send(_ message: UnsafeRawBufferPointer) throws {
        let sent = mnl_socket_sendto(socket, message.baseAddress, message.count)
        guard sent == message.count else { throw NftError.system("sendto netlink", errno: errno) }
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
