import Glibc

/// One TCP connection or UDP flow between two lab pods that stays open while its ends keep talking:
/// every `interval` the client (when `clientSends`) and the server each send a few bytes, and the
/// flow records when each direction delivered something. Revocation tests read when a direction
/// went quiet, and the longest silence of a flow that must keep passing.
public final class LiveFlow: Sendable {
    public enum Direction: Sendable { case clientToServer, serverToClient }

    public let description: String
    private let state = Locked(State())
    private let thread: Locked<OSThread?> = Locked(nil)

    private struct State {
        var deliveries: [Direction: [ContinuousClock.Instant]] = [.clientToServer: [], .serverToClient: []]
        var stopped = false
    }

    init(client: Int32, server: Int32, proto: ProbeProtocol, clientSends: Bool, interval: Duration, description: String) throws {
        self.description = description
        let state = self.state
        thread.withLock {
            $0 = try? OSThread {
                Self.talk(client: client, server: server, datagram: proto == .udp, clientSends: clientSends, interval: interval, state: state)
            }
        }
        guard thread.withLock({ $0 != nil }) else {
            close(client)
            close(server)
            throw LabError.system(call: "pthread_create", errno: EAGAIN)
        }
    }

    deinit { stop() }

    /// When each message of `direction` arrived, in order.
    public func deliveries(_ direction: Direction) -> [ContinuousClock.Instant] {
        state.withLock { $0.deliveries[direction]! }
    }

    /// Both ways have delivered: the server streams, and the client has spoken (at least to open the flow).
    public var isFlowing: Bool {
        state.withLock { $0.deliveries[.serverToClient]!.count > 3 && !$0.deliveries[.clientToServer]!.isEmpty }
    }

    /// Stops talking and closes both ends. Safe to call twice.
    public func stop() {
        state.withLock { $0.stopped = true }
        thread.withLock { thread in
            thread?.join()
            thread = nil
        }
    }

    private static func talk(client: Int32, server: Int32, datagram: Bool, clientSends: Bool, interval: Duration,
                             state: Locked<State>) {
        defer {
            Socket.abort(client)
            Socket.abort(server)
        }
        // A UDP server answers whoever wrote last: it learns the client's address from the first datagram.
        var peer = sockaddr_storage(), peerLength = socklen_t(0)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let message = [UInt8](repeating: 0x2a, count: 16)
        var next = ContinuousClock.now
        var clientSpoke = false
        while !state.withLock({ $0.stopped }) {
            if ContinuousClock.now >= next {
                next = ContinuousClock.now + interval
                if clientSends || !clientSpoke {
                    _ = send(client, message, message.count, Int32(MSG_DONTWAIT))
                    clientSpoke = true
                }
                if !datagram {
                    _ = send(server, message, message.count, Int32(MSG_DONTWAIT))
                } else if peerLength > 0 {
                    _ = withUnsafePointer(to: &peer) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, message, message.count, Int32(MSG_DONTWAIT), $0, peerLength) }
                    }
                }
            }
            var fds = [pollfd(fd: server, events: Int16(POLLIN), revents: 0), pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 2)
            let now = ContinuousClock.now
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fromClient = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, Int32(MSG_DONTWAIT), $0, &length) }
            }
            if fromClient > 0 {
                peerLength = length
                state.withLock { $0.deliveries[.clientToServer]!.append(now) }
            }
            if recv(client, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {
                state.withLock { $0.deliveries[.serverToClient]!.append(now) }
            }
        }
    }
}

extension Lab {
    /// Opens a TCP connection or UDP flow from `from` to a new port of `to`, and keeps it talking (see
    /// `LiveFlow`). Throws when a TCP handshake does not complete within `timeout`.
    public func openFlow(from: String, to: String, proto: ProbeProtocol, family: LabFamily, clientSends: Bool = true,
                         interval: Duration = .milliseconds(10), timeout: Duration = .seconds(2)) throws -> LiveFlow {
        precondition(proto != .sctp, "live flows are TCP or UDP")
        let port = UInt16.random(in: 40_000...49_999)
        guard let address = SocketAddress(address(of: to, family: family), port: port, family: family) else {
            throw LabError.invalidTopology("no \(family) address for \(to)")
        }
        let type = proto == .tcp ? Socket.stream : Socket.datagram
        let listener = try NetworkNamespace.run(in: podNamespace(to)) { () throws -> Int32 in
            let fd = try Socket.open(family, type)
            try Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try Socket.bind(fd, address)
            if proto == .tcp, listen(fd, 1) != 0 { throw LabError.system(call: "listen", errno: errno) }
            return fd
        }
        let client = try NetworkNamespace.run(in: podNamespace(from)) { () throws -> Int32 in
            let fd = try Socket.open(family, type)
            let code = Socket.startConnect(fd, address)
            guard code == 0 || code == EINPROGRESS else { throw LabError.system(call: "connect", errno: code) }
            return fd
        }
        let description = "\(from) -> \(to):\(port)/\(proto.rawValue)/\(family.rawValue)"
        guard proto == .tcp else {
            return try LiveFlow(client: client, server: listener, proto: proto, clientSends: clientSends, interval: interval,
                                description: description)
        }
        defer { close(listener) }
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000)
        guard poll(&poller, 1, milliseconds) == 1 else {
            close(client)
            throw LabError.system(call: "TCP handshake \(description)", errno: ETIMEDOUT)
        }
        let server = accept(listener, nil, nil)  // accept4 needs _GNU_SOURCE; the talk loop never blocks anyway
        guard server >= 0 else {
            close(client)
            throw LabError.system(call: "accept \(description)", errno: errno)
        }
        return try LiveFlow(client: client, server: server, proto: proto, clientSends: clientSends, interval: interval,
                            description: description)
    }
}
