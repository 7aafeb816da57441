import Glibc

/// sd_notify(3) without libsystemd: one datagram per message to the socket in `$NOTIFY_SOCKET`.
/// When systemd did not set the variable (not `Type=notify`, or not under systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket path; a leading "@" names a Linux abstract socket.
    public let socketPath: String?

    public init(socketPath: String?) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads `$NOTIFY_SOCKET`.
    public init() {
        self.init(socketPath: getenv("NOTIFY_SOCKET").map { String(cString: $0) })
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Sends the states in one datagram, e.g. `[.ready, .status("enforcing 12 policies")]`.
    public func notify(_ states: [NotifyState]) throws(SystemdNotifyError) {
        guard let socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract: no terminating NUL, length is exact
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { throw SystemdNotifyError("NOTIFY_SOCKET path too long: \(socketPath)") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count)

        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemdNotifyError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let message = Array(states.map(\.line).joined(separator: "\n").utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, message, message.count, 0, $0, length) }
        }
        guard sent == message.count else {
            throw SystemdNotifyError("sending to \(socketPath): \(String(cString: strerror(errno)))")
        }
    }

    public func notify(_ state: NotifyState) throws(SystemdNotifyError) {
        try notify([state])
    }
}

/// The sd_notify states the agent sends.
public enum NotifyState: Sendable, Equatable {
    /// Startup finished: for the agent, the first full sync is in the kernel.
    case ready
    /// The service is shutting down.
    case stopping
    /// Keep-alive for `WatchdogSec=`.
    case watchdog
    /// Free text shown by `systemctl status`.
    case status(String)

    var line: String {
        switch self {
        case .ready: "READY=1"
        case .stopping: "STOPPING=1"
        case .watchdog: "WATCHDOG=1"
        case .status(let text): "STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }
}

public struct SystemdNotifyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
