import Observability
import Testing

@Suite struct HealthStateTests {
    let clock = ManualClock()

    func health(_ thresholds: HealthThresholds = HealthThresholds()) -> HealthState {
        HealthState(thresholds: thresholds, now: { [clock] in clock.now })
    }

    @Test func aSlowSyncNeverFailsLiveness() {
        let health = health()
        health.applySucceeded()
        // A sync in progress reports nothing until it ends, however long it takes.
        clock.advance(by: .seconds(7200))
        #expect(health.liveness == .ok)
    }

    @Test func theFailureClockStartsAtTheFirstFailure() {
        let health = health(HealthThresholds(applyFailure: .seconds(60)))
        health.applyFailed("first")
        clock.advance(by: .seconds(50))
        health.applyFailed("second")
        clock.advance(by: .seconds(11))
        #expect(health.liveness == .failing("programming the kernel has failed for 61s: second"))
    }

    @Test func aZeroThresholdTurnsTheCheckOff() {
        let health = health(HealthThresholds(applyFailure: .zero, apiUnreachable: .zero))
        health.applyFailed("refused")
        health.apiFailed(resource: "pods", error: "timeout")
        clock.advance(by: .seconds(86400))
        #expect(health.liveness == .ok)
    }

    @Test func reasonsStayOnOneLine() {
        let health = health(HealthThresholds(apiUnreachable: .seconds(1)))
        health.apiFailed(resource: "networkpolicies", error: "HTTP 403\nforbidden")
        clock.advance(by: .seconds(2))
        #expect(health.liveness == .failing("API server unreachable for networkpolicies for 2s: HTTP 403 forbidden"))
    }

    @Test func readinessStaysOnOnceReached() {
        let health = health()
        #expect(!health.readiness.isOK)
        health.fullSyncCompleted()
        health.applyFailed("later failure")
        #expect(health.readiness == .ok)
    }

    /// Closes "ready while enforcing nothing": a node check finding is a readiness failure until fixed.
    @Test func unenforcedPathsFailReadinessUntilFixed() {
        let health = health()
        health.fullSyncCompleted()
        health.nodeChecked(unenforced: ["pods behind bridge cni0 are not enforced between each other: net.bridge.bridge-nf-call-iptables is 0"])
        #expect(health.readiness == .failing("node check: pods behind bridge cni0 are not enforced between each other: net.bridge.bridge-nf-call-iptables is 0"))
        #expect(health.liveness == .ok, "a restart would not fix the node")
        health.nodeChecked(unenforced: [])
        #expect(health.readiness == .ok)
    }
}
