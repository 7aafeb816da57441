import Dispatch
import Glibc

/// Pings systemd's watchdog (`WatchdogSec=`) at half its interval, but only while `isHealthy()` holds:
/// when the agent stops being healthy the pings stop and systemd restarts it after the interval.
public final class SystemdWatchdog: Sendable {
    /// The interval systemd expects pings within.
    public let interval: Duration
    /// Dispatch sources are thread-safe; the type only lacks the annotation.
    nonisolated(unsafe) private let timer: any DispatchSourceTimer

    /// The watchdog interval systemd asked for, if it is meant for this process; nil when there is none.
    public static func intervalFromEnvironment() -> Duration? {
        interval(watchdogUSec: getenv("WATCHDOG_USEC").map { String(cString: $0) },
                 watchdogPID: getenv("WATCHDOG_PID").map { String(cString: $0) })
    }

    /// `$WATCHDOG_USEC` is the interval; `$WATCHDOG_PID`, when set, names the process it is meant for.
    public static func interval(watchdogUSec: String?, watchdogPID: String?, pid: pid_t = getpid()) -> Duration? {
        if let watchdogPID, pid_t(watchdogPID) != pid { return nil }
        guard let watchdogUSec, let microseconds = Int64(watchdogUSec), microseconds > 0 else { return nil }
        return .microseconds(microseconds)
    }

    /// Starts pinging at once, then every `interval / 2`.
    public init(notifier: SystemdNotifier, interval: Duration, isHealthy: @escaping @Sendable () -> Bool) {
        self.interval = interval
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "netpol-agent.watchdog"))
        let period = interval / 2
        let nanoseconds = Int(period.components.seconds) * 1_000_000_000 + Int(period.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now(), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler {
            if isHealthy() { try? notifier.notify(.watchdog) }
        }
        timer.resume()
    }

    public func stop() {
        timer.cancel()
    }

    deinit { timer.cancel() }
}
