import Foundation
import Glibc
import Synchronization
import SystemdNotify
import Testing

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifySocket {
    let descriptor: Int32
    let path: String

    /// Binds `path`, or the abstract name after "@".
    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0 else { throw SocketError(call: "bind", code: errno) }
    }

    deinit { close(descriptor) }

    /// The next datagram, or nil when none arrives within `timeout`.
    func receive(timeout: Duration = .seconds(2)) -> String? {
        var wait = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct SystemdNotifyTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func socketPath() -> String { directory.appendingPathComponent("notify").path }

    @Test func readyAndStatusArriveInOneDatagram() throws {
        let systemd = try NotifySocket(path: socketPath())
        try SystemdNotifier(socketPath: systemd.path).notify([.ready, .status("enforcing\n3 policies")])
        #expect(systemd.receive() == "READY=1\nSTATUS=enforcing 3 policies")
        try SystemdNotifier(socketPath: systemd.path).notify(.stopping)
        #expect(systemd.receive() == "STOPPING=1")
    }

    @Test func abstractSocketsStartWithAt() throws {
        let systemd = try NotifySocket(path: "@netpol-agent-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        try SystemdNotifier(socketPath: systemd.path).notify(.ready)
        #expect(systemd.receive() == "READY=1")
    }

    @Test func withoutASocketNothingHappens() throws {
        #expect(!SystemdNotifier(socketPath: nil).isEnabled)
        #expect(!SystemdNotifier(socketPath: "").isEnabled)
        try SystemdNotifier(socketPath: nil).notify(.ready)
    }

    @Test func aMissingSocketIsAnError() {
        #expect(throws: SystemdNotifyError.self) { try SystemdNotifier(socketPath: socketPath()).notify(.ready) }
    }

    @Test func theWatchdogPingsWhileHealthy() throws {
        let systemd = try NotifySocket(path: socketPath())
        let watchdog = SystemdWatchdog(notifier: SystemdNotifier(socketPath: systemd.path), interval: .milliseconds(200)) { true }
        defer { watchdog.stop() }
        #expect(systemd.receive() == "WATCHDOG=1")
        #expect(systemd.receive() == "WATCHDOG=1")
    }

    /// Could pass on a watchdog that never ran: it now proves the health check was consulted several
    /// times with no ping sent, and that pings resume once healthy.
    @Test func theWatchdogIsSilentWhileUnhealthy() throws {
        let systemd = try NotifySocket(path: socketPath())
        let healthy = Atomic(false), checks = Atomic(0)
        let watchdog = SystemdWatchdog(notifier: SystemdNotifier(socketPath: systemd.path), interval: .milliseconds(40)) {
            checks.add(1, ordering: .relaxed)
            return healthy.load(ordering: .relaxed)
        }
        defer { watchdog.stop() }
        let deadline = ContinuousClock.now + .seconds(5)
        while checks.load(ordering: .relaxed) < 5 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(checks.load(ordering: .relaxed) >= 5, "the watchdog consults health every interval / 2")
        #expect(systemd.receive(timeout: .milliseconds(1)) == nil, "no ping while unhealthy")
        healthy.store(true, ordering: .relaxed)
        #expect(systemd.receive() == "WATCHDOG=1", "pings resume once healthy")
    }

    @Test func theIntervalComesFromWatchdogUSec() {
        #expect(SystemdWatchdog.interval(watchdogUSec: "30000000", watchdogPID: nil) == .seconds(30))
        #expect(SystemdWatchdog.interval(watchdogUSec: "30000000", watchdogPID: "\(getpid())") == .seconds(30))
        #expect(SystemdWatchdog.interval(watchdogUSec: "30000000", watchdogPID: "1") == nil)  // meant for another process
        #expect(SystemdWatchdog.interval(watchdogUSec: nil, watchdogPID: nil) == nil)
        #expect(SystemdWatchdog.interval(watchdogUSec: "0", watchdogPID: nil) == nil)
    }
}
