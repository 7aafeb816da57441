import Foundation
import Glibc
import CNftables
@testable import NftNetlink
import Testing
import TestSupport

/// A kernel that does not answer, or answers what does not fit, fails the request with an error that
/// names what was awaited, within the reply deadline; nothing waits forever. The fake kernel answers
/// late (after `safetyNet`) so that code without a deadline fails these tests instead of hanging.
@Suite struct StuckKernelTests {
    static let deadline: Duration = .milliseconds(200)
    static let safetyNet: Duration = .seconds(3)

    /// Failure mode: a GETGEN that is never answered blocked recv() for good.
    @Test func unansweredGenerationRequestFailsAtTheDeadline() throws {
        let kernel = FakeKernel()
        let stop = kernel.answerLate(after: Self.safetyNet)
        defer { stop() }
        let connection = NftConnection(socket: NetlinkSocket(descriptor: kernel.agentEnd, replyTimeout: Self.deadline))
        let started = ContinuousClock.now
        let error = try #require(throws: NftError.self) { try connection.generation() }
        #expect(ContinuousClock.now - started < .seconds(1), "gave up after \(ContinuousClock.now - started)")
        #expect("\(error)".contains("no reply") && "\(error)".contains("GETGEN"), "\(error)")
    }

    /// Failure mode: a dump whose answer never comes (here: of the tables) blocked a read for good.
    @Test func unansweredDumpFailsAtTheDeadline() throws {
        let kernel = FakeKernel()
        nonisolated(unsafe) let connection = NftConnection(socket: NetlinkSocket(descriptor: kernel.agentEnd, replyTimeout: Self.deadline))
        let finished = Finished.running { try connection.readTable(TableIdentity(name: "t")) }
        // Answer GETGEN with generation 7, then stay silent.
        let getgen = try #require(kernel.request(within: .seconds(2)))
        kernel.send(Self.newgen(7, answering: getgen))
        let dump = try #require(kernel.request(within: .seconds(2)), "a dump request after GETGEN")
        let outcome = finished.wait(within: Self.safetyNet)
        var stopAnswering: (@Sendable () -> Void)?
        if outcome == nil {
            // Without a deadline: end the dump, and the re-read of the generation that follows, with EIO.
            kernel.send(FakeKernel.error(EIO, answering: dump))
            stopAnswering = kernel.answerLate(after: .zero)
        }
        defer { stopAnswering?() }
        let result = try #require(outcome ?? finished.wait(within: Self.safetyNet), "readTable never returned")
        #expect(outcome != nil, "no error within \(Self.safetyNet)")
        #expect(Finished.text(result).contains("no reply") && Finished.text(result).contains("GETTABLE"), "\(Finished.text(result))")
    }

    /// Failure mode: recv() silently cut a datagram larger than the receive buffer.
    @Test func datagramLargerThanTheBufferIsAnError() throws {
        let kernel = FakeKernel()
        nonisolated(unsafe) let connection = NftConnection(socket: NetlinkSocket(descriptor: kernel.agentEnd, replyTimeout: .seconds(2)))
        let finished = Finished.running { try connection.generation() }
        let getgen = try #require(kernel.request(within: .seconds(2)))
        let sequence = getgen.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
        kernel.send(FakeKernel.message(type: 0x0a10, sequence: sequence, payload: [0, 0, 0, 7], padding: 200_000))
        let outcome = finished.wait(within: Self.safetyNet)
        if outcome == nil { kernel.send(FakeKernel.error(EIO, answering: getgen)) }
        let result = try #require(outcome ?? finished.wait(within: Self.safetyNet), "generation() never returned")
        #expect(Finished.text(result).contains("does not fit"), "\(Finished.text(result))")
    }

    /// Failure mode: a socket whose buffers cannot be set (here not even a socket) recorded the sizes
    /// as set, so the next batch went out into a buffer too small for it.
    @Test func failedBufferOptionIsAnErrorAndNotRecorded() throws {
        var pipeEnds: [Int32] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[1]) }
        let socket = NetlinkSocket(descriptor: pipeEnds[0])
        for _ in 0..<2 {
            let error = try #require(throws: NftError.self) { try socket.reserve(send: 1 << 20, receive: 1 << 20) }
            #expect("\(error)".contains("SO_SNDBUF"), "\(error)")
        }
    }

    /// Failure mode: NETLINK_EXT_ACK and NETLINK_CAP_ACK failing at setup went unnoticed.
    @Test func refusedNetlinkOptionsAreReported() throws {
        let kernel = FakeKernel()
        let socket = NetlinkSocket(descriptor: kernel.agentEnd)
        #expect(socket.refusedOptions.count == 2, "\(socket.refusedOptions)")
        #expect(socket.refusedOptions.first?.contains("NETLINK_EXT_ACK") == true, "\(socket.refusedOptions)")
        #expect(socket.refusedOptions.last?.contains("NETLINK_CAP_ACK") == true, "\(socket.refusedOptions)")
    }

    /// NFT_MSG_NEWGEN with NFTA_GEN_ID, as the kernel answers GETGEN.
    static func newgen(_ generation: UInt32, answering request: [UInt8]) -> [UInt8] {
        let sequence = request.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
        let genmsg: [UInt8] = [0, 0] + withUnsafeBytes(of: UInt16(generation & 0xffff).bigEndian) { Array($0) }
        let attribute: [UInt8] = [8, 0, 1, 0] + withUnsafeBytes(of: generation.bigEndian) { Array($0) }
        return FakeKernel.message(type: UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(NFT_MSG_NEWGEN.rawValue), sequence: sequence,
                                  payload: genmsg + attribute)
    }
}
