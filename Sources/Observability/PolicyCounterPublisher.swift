import Prometheus
import Synchronization

public enum PolicyVerdict: String, Sendable {
    case allowed, denied
    /// A ClusterNetworkPolicy Pass rule handed the packet to the next tier.
    case passed
}

/// One nftables named counter as read from the kernel (absolute values). `tier` is `Admin`,
/// `NetworkPolicy` or `Baseline`.
public typealias PolicyCounterReading = (policy: String, tier: String, direction: String, verdict: PolicyVerdict, packets: UInt64,
                                         bytes: UInt64)

/// Turns absolute kernel readings into Prometheus counters: the library's counters only go up, so each
/// series is advanced by the difference from the previous reading.
final class PolicyCounterPublisher: Sendable {
    private struct Key: Hashable {
        var namespace, policy, tier, direction, verdict: String

        var labels: [(String, String)] {
            [("namespace", namespace), ("policy", policy), ("tier", tier), ("direction", direction), ("verdict", verdict)]
        }
    }

    private struct Series {
        let packets: Prometheus.Counter
        let bytes: Prometheus.Counter
        var lastPackets: UInt64 = 0
        var lastBytes: UInt64 = 0
    }

    private let registry: PrometheusCollectorRegistry
    private let series = Mutex<[Key: Series]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    private static var packets: MetricNameDescriptor {
        AgentMetrics.name("policy_packets", "total", "Packets allowed, denied or passed by a NetworkPolicy or ClusterNetworkPolicy, from nftables named counters.")
    }

    private static var bytes: MetricNameDescriptor {
        AgentMetrics.name("policy_bytes", "total", "Bytes allowed, denied or passed by a NetworkPolicy or ClusterNetworkPolicy, from nftables named counters.")
    }

    func publish(_ readings: [PolicyCounterReading]) {
        var totals: [Key: (packets: UInt64, bytes: UInt64)] = [:]
        for reading in readings {
            let parts = reading.policy.split(separator: "/", maxSplits: 1)
            let key = Key(namespace: parts.count == 2 ? String(parts[0]) : "", policy: String(parts.last ?? ""),
                          tier: reading.tier, direction: reading.direction, verdict: reading.verdict.rawValue)
            let sum = totals[key, default: (0, 0)]
            totals[key] = (sum.packets &+ reading.packets, sum.bytes &+ reading.bytes)
        }
        series.withLock { series in
            for key in series.keys where totals[key] == nil {
                let gone = series.removeValue(forKey: key)!
                registry.unregisterCounter(gone.packets)
                registry.unregisterCounter(gone.bytes)
            }
            for (key, total) in totals {
                var entry = series[key] ?? Series(packets: registry.makeCounter(descriptor: Self.packets, labels: key.labels),
                                                  bytes: registry.makeCounter(descriptor: Self.bytes, labels: key.labels))
                entry.packets.increment(by: Self.delta(from: entry.lastPackets, to: total.packets))
                entry.bytes.increment(by: Self.delta(from: entry.lastBytes, to: total.bytes))
                entry.lastPackets = total.packets
                entry.lastBytes = total.bytes
                series[key] = entry
            }
        }
    }

    /// A reading below the previous one means the kernel counter started again from zero.
    private static func delta(from previous: UInt64, to current: UInt64) -> Int64 {
        Int64(clamping: current >= previous ? current - previous : current)
    }
}
