import Compiler
import KubeClient
import Logging
import NftNetlink
import Observability
import Synchronization

/// `--log-denied`: reads the nflog group on a thread of its own and writes one log line per denied
/// packet. Nothing here is on the packet's path: the kernel has judged the packet before queueing the
/// message, and a reader that falls behind only loses messages (ENOBUFS), which are counted.
final class DenyLogReader: Sendable {
    private let context = Mutex<DenyLogContext?>(nil)
    private let logger: Logger
    private let metrics: DenyLogMetrics

    init(logger: Logger, metrics: DenyLogMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    /// The table just applied: its prefixes and pods name what later packets hit.
    func applied(_ latest: DenyLogContext?) { context.withLock { $0 = latest } }

    /// Binds the group now (a bind failure stops the agent at startup, naming the group), then reads
    /// until `stop`.
    func start(group: UInt16, stop: StopToken) throws -> WorkerThread {
        let socket = try NflogSocket(group: group)
        return WorkerThread { [self] in
            while !stop.isStopped {
                do {
                    switch try socket.next(waitingUpTo: 200) {
                    case .packets(let packets): packets.forEach(write)
                    case .overflow: metrics.recordLost()
                    }
                } catch {
                    logger.error("reading deny logs (nflog group \(group)) failed: \(error)")
                    _ = stop.sleep(for: .seconds(1))
                }
            }
        }
    }

    func write(_ packet: LoggedPacket) {
        guard let context = context.withLock({ $0 }) else { return }
        let denied = DeniedConnection(packet, in: context)
        logger.info("denied", metadata: denied.metadata)
        metrics.recordLine()
    }
}
