import Foundation
import Glibc

/// A unix datagram socket standing in for systemd's NOTIFY_SOCKET. Path sockets are reachable from
/// any network namespace, so an agent in a lab node can notify a test in the root namespace.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(directory: String) throws {
        path = "\(directory)/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0 else { throw AgentProcessError("notify socket \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }

    /// Waits for a datagram containing `line` (e.g. "READY=1"); returns every datagram seen meanwhile.
    func wait(for line: String, timeout: Duration) -> (found: Bool, seen: [String]) {
        let deadline = ContinuousClock.now + timeout
        var seen: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(line)) { return (true, seen) }
        }
        return (false, seen)
    }
}
