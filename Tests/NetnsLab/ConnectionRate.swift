import Glibc

extension Lab {
    /// New TCP connections from pod `from` to pod `to` on `port`, one after another on one thread in
    /// the source pod for `duration`: each is a SYN that the nodes' forward hooks judge as a new
    /// connection, answered by the destination (SYN-ACK, or an RST where nothing listens). Returns the
    /// answered attempts per second; throws if one goes unanswered for a second (the rules dropped it).
    public func connectionRate(from: String, to: String, port: UInt16, family: LabFamily, duration: Duration) throws -> Double {
        guard let target = SocketAddress(address(of: to, family: family), port: port, family: family) else {
            throw LabError.invalidTopology("no \(family) address for \(to)")
        }
        return try NetworkNamespace.run(in: podNamespace(from)) {
            let start = ContinuousClock.now, deadline = start + duration
            var answered = 0
            while ContinuousClock.now < deadline {
                try Self.connectOnce(target)
                answered += 1
            }
            let elapsed = ContinuousClock.now - start
            return Double(answered) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    /// One blocking connect, closed with an RST so neither end keeps a socket in TIME_WAIT.
    private static func connectOnce(_ target: SocketAddress) throws {
        let fd = socket(target.family.addressFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError.system(call: "socket", errno: errno) }
        defer { Socket.abort(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)  // bounds a blocking connect
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let error = Socket.startConnect(fd, target)
        guard error == 0 || error == ECONNREFUSED else { throw LabError.system(call: "connect (unanswered)", errno: error) }
    }
}
