import Glibc

/// Thin wrappers over the socket calls the lab needs. All sockets are non-blocking:
/// one thread multiplexes them with poll().
enum Socket {
    static let sctpProtocol: Int32 = 132

    /// A new socket in the calling thread's network namespace. IPv6 TCP/UDP sockets
    /// are IPv6-only so the v4 and v6 servers of a pod can share a port.
    static func open(_ family: LabFamily, _ type: Int32, protocol proto: Int32 = 0) throws -> Int32 {
        let fd = socket(family.addressFamily, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
        guard fd >= 0 else { throw LabError.system(call: "socket", errno: errno) }
        if family == .v6 && type != raw {  // raw sockets have no port to share and refuse the option
            do { try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) } catch { close(fd); throw error }
        }
        return fd
    }

    static let stream = Int32(SOCK_STREAM.rawValue)
    static let datagram = Int32(SOCK_DGRAM.rawValue)
    static let raw = Int32(SOCK_RAW.rawValue)

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw LabError.system(call: "setsockopt \(level)/\(name)", errno: errno)
        }
    }

    static func bind(_ fd: Int32, _ address: SocketAddress) throws {
        let rc = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else { throw LabError.system(call: "bind", errno: errno) }
    }

    /// Starts a connect; returns 0, or the errno (EINPROGRESS while a TCP handshake runs).
    static func startConnect(_ fd: Int32, _ address: SocketAddress) -> Int32 {
        address.withSockaddr { Glibc.connect(fd, $0, $1) } == 0 ? 0 : errno
    }

    /// The pending error of a socket (SO_ERROR), which also clears it.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// Closes with an RST instead of a FIN: no TIME_WAIT sockets pile up across probe rounds.
    static func abort(_ fd: Int32) {
        var lingerOff = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOff, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }
}
