import Foundation
import Glibc
import Synchronization

/// The far end of a datagram socketpair, standing in for the kernel's netlink side: the agent's end
/// (`agentEnd`) goes to the code under test, which sends its requests here. It answers only when told,
/// so tests can play a kernel that is stuck, late, or sends what no kernel should.
public final class FakeKernel: @unchecked Sendable {
    /// Handed over to (and then closed by) the socket under test.
    public let agentEnd: Int32
    private let kernelEnd: Int32

    public init() {
        var pair: [Int32] = [-1, -1]
        precondition(socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0,
                     "socketpair: \(String(cString: strerror(errno)))")
        agentEnd = pair[0]
        kernelEnd = pair[1]
        // Room for oversized test datagrams.
        var size: Int32 = 4 << 20
        setsockopt(kernelEnd, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(kernelEnd) }

    /// The next request the agent sent, waiting up to `timeout`; nil if none came.
    public func request(within timeout: Duration) -> [UInt8]? {
        var poller = pollfd(fd: kernelEnd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = recv(kernelEnd, &buffer, buffer.count, 0)
        return count >= 0 ? Array(buffer[..<count]) : nil
    }

    /// Sends one datagram to the agent.
    public func send(_ datagram: [UInt8]) {
        let sent = Glibc.send(kernelEnd, datagram, datagram.count, 0)
        precondition(sent == datagram.count, "fake kernel send: \(String(cString: strerror(errno)))")
    }

    /// Plays a kernel that answers every request with EIO, but only `delay` after it came, until the
    /// returned closure is called. A stuck agent still ends then, so a test of the deadline fails
    /// instead of hanging.
    public func answerLate(after delay: Duration) -> @Sendable () -> Void {
        let state = LateAnswers()
        Thread { [self] in
            while !state.stopped.load(ordering: .relaxed) {
                guard let request = request(within: .milliseconds(50)) else { continue }
                // The delay is the fake kernel's behaviour; a test that ends meanwhile cuts it short.
                let due = ContinuousClock.now + delay
                while ContinuousClock.now < due, !state.stopped.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
                // The agent's end may be closed by now: nobody is left to answer.
                let answer = Self.error(EIO, answering: request)
                _ = Glibc.send(kernelEnd, answer, answer.count, 0)
            }
            state.done.signal()
        }.start()
        return {
            state.stopped.store(true, ordering: .relaxed)
            state.done.wait()
        }
    }

    /// An NLMSG_ERROR answering `request` (its first message) with `errno` (0: an acknowledgement).
    public static func error(_ code: Int32, answering request: [UInt8]) -> [UInt8] {
        let requestHeader = Array(request.prefix(16))
        let sequence = request.count >= 12 ? request.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) } : 0
        return message(type: 2 /* NLMSG_ERROR */, sequence: sequence, payload: bytes(of: -code) + requestHeader)
    }

    /// One netlink message: header, then `payload`, then `padding` zero bytes counted in its length.
    public static func message(type: UInt16, sequence: UInt32, payload: [UInt8], padding: Int = 0) -> [UInt8] {
        let length = UInt32(16 + payload.count + padding)
        return bytes(of: length) + bytes(of: type) + bytes(of: UInt16(0)) + bytes(of: sequence) + bytes(of: UInt32(0))
            + payload + [UInt8](repeating: 0, count: padding)
    }

    private static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

private final class LateAnswers: Sendable {
    let stopped = Atomic(false)
    let done = DispatchSemaphore(value: 0)
}
