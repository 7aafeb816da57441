import Synchronization

/// How long a failure may last before /healthz reports it. `.zero` turns a check off.
public struct HealthThresholds: Sendable, Equatable {
    /// Programming the kernel has failed, without a success since, for longer than this.
    public var applyFailure: Duration
    /// A watched resource has had API calls fail, without a success since, for longer than this.
    public var apiUnreachable: Duration

    public init(applyFailure: Duration = .seconds(60), apiUnreachable: Duration = .seconds(300)) {
        self.applyFailure = applyFailure
        self.apiUnreachable = apiUnreachable
    }
}

public enum HealthStatus: Sendable, Equatable {
    case ok
    /// One line saying why.
    case failing(String)

    public var isOK: Bool { self == .ok }
}

/// What /healthz, /readyz and the systemd watchdog report, fed by the agent's loops from any thread.
///
/// Liveness only looks at failures that have lasted: a sync that is merely slow reports nothing, so it
/// can never get the agent killed mid-sync (kube-router #945). Readiness turns on after the first full
/// sync and stays on.
public final class HealthState: Sendable {
    private struct State {
        var ready = false
        /// Since when applies have failed, and the last error; nil after a success.
        var applyFailing: (since: ContinuousClock.Instant, error: String)?
        /// Per resource: since when its API calls have failed, and the last error.
        var apiFailing: [String: (since: ContinuousClock.Instant, error: String)] = [:]
        /// Paths of local pods' traffic the node check found the table cannot see.
        var unenforcedPaths: [String] = []
    }

    public let thresholds: HealthThresholds
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// - Parameter now: the clock; tests pass one they move by hand.
    public init(thresholds: HealthThresholds = HealthThresholds(),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.thresholds = thresholds
        self.now = now
    }

    /// The first full sync has been applied to the kernel: the agent is ready.
    public func fullSyncCompleted() {
        state.withLock { $0.ready = true }
    }

    public func applySucceeded() {
        state.withLock { $0.applyFailing = nil }
    }

    public func applyFailed(_ error: String) {
        let time = now()
        state.withLock { $0.applyFailing = ($0.applyFailing?.since ?? time, Self.oneLine(error)) }
    }

    /// A list or watch request for `resource` (e.g. "pods") got an answer from the API server.
    public func apiSucceeded(resource: String) {
        state.withLock { _ = $0.apiFailing.removeValue(forKey: resource) }
    }

    public func apiFailed(resource: String, error: String) {
        let time = now()
        state.withLock { $0.apiFailing[resource] = ($0.apiFailing[resource]?.since ?? time, Self.oneLine(error)) }
    }

    /// The node check's findings (one line each), replacing the previous ones; empty: all paths are seen.
    public func nodeChecked(unenforced: [String]) {
        state.withLock { $0.unenforcedPaths = unenforced.map(Self.oneLine) }
    }

    /// Not ready before the first full sync, nor while the node check finds traffic the table cannot see:
    /// an agent enforcing nothing must not look healthy. Liveness ignores it: a restart would not help.
    public var readiness: HealthStatus {
        state.withLock { state in
            guard state.ready else { return .failing("first full sync not applied yet") }
            guard state.unenforcedPaths.isEmpty else { return .failing("node check: " + state.unenforcedPaths.joined(separator: "; ")) }
            return .ok
        }
    }

    public var liveness: HealthStatus {
        let time = now()
        return state.withLock { state in
            if let failing = state.applyFailing, Self.exceeds(time - failing.since, thresholds.applyFailure) {
                return .failing("programming the kernel has failed for \(Self.seconds(time - failing.since)): \(failing.error)")
            }
            for resource in state.apiFailing.keys.sorted() {
                let failing = state.apiFailing[resource]!
                if Self.exceeds(time - failing.since, thresholds.apiUnreachable) {
                    return .failing("API server unreachable for \(resource) for \(Self.seconds(time - failing.since)): \(failing.error)")
                }
            }
            return .ok
        }
    }

    private static func exceeds(_ elapsed: Duration, _ threshold: Duration) -> Bool {
        threshold > .zero && elapsed > threshold
    }

    private static func seconds(_ duration: Duration) -> String {
        "\(duration.components.seconds)s"
    }

    /// Probe bodies and logs take one line.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
