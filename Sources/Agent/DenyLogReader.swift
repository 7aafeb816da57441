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

    /// Reads the group until `stop`. A group the agent cannot bind (another listener has it) is said
    /// loudly and tried again: enforcement goes on meanwhile, only the log lines are missing.
    func start(group: UInt16, stop: StopToken) -> WorkerThread {
        WorkerThread { [self] in
            while !stop.isStopped {
                do {
                    let socket = try NflogSocket(group: group)
                    logger.info("logging denied packets read from nflog group \(group)")
                    try read(socket, until: stop)
                } catch {
                    logger.error("deny log: nflog group \(group) unreadable, retrying in 10 s: \(error)")
                    _ = stop.sleep(for: .seconds(10))
                }
            }
        }
    }

    private func read(_ socket: NflogSocket, until stop: StopToken) throws {
        var lost: UInt64 = 0
        while !stop.isStopped {
            if case .packets(let packets) = try socket.next(waitingUpTo: 200) { packets.forEach(write) }
            if socket.lost > lost {
                metrics.recordLost(socket.lost - lost)
                lost = socket.lost
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
