import Prometheus
import Synchronization

/// The deny log's figures (`--log-denied`): lines written, messages lost to a full socket buffer, and
/// denied packets the kernel's rate limit kept from the log.
public final class DenyLogMetrics: Sendable {
    private let lines: Prometheus.Counter
    private let lost: Prometheus.Counter
    private let suppressed: Prometheus.Counter
    /// The last absolute reading of the kernel's suppressed counter.
    private let lastSuppressed = Mutex<UInt64>(0)

    init(registry: PrometheusCollectorRegistry) {
        lines = registry.makeCounter(descriptor: AgentMetrics.name(
            "deny_log_lines", "total", "Deny log lines written (--log-denied)."))
        lost = registry.makeCounter(descriptor: AgentMetrics.name(
            "deny_log_lost", "total", "Deny log messages lost because the agent's nflog socket buffer was full (ENOBUFS)."))
        suppressed = registry.makeCounter(descriptor: AgentMetrics.name(
            "deny_log_suppressed_packets", "total", "Denied packets not logged because they exceeded --log-denied-rate (kernel counter)."))
    }

    public func recordLine() { lines.increment() }

    /// Messages the kernel numbered but the agent never received.
    public func recordLost(_ messages: UInt64) { lost.increment(by: Int64(clamping: messages)) }

    /// The kernel counter's absolute value; one lower than the last means the counter was recreated.
    public func publishSuppressed(_ packets: UInt64) {
        let delta = lastSuppressed.withLock { last in
            defer { last = packets }
            return packets >= last ? packets - last : packets
        }
        suppressed.increment(by: Int64(clamping: delta))
    }
}
