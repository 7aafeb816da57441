@testable import Agent
import Foundation
@testable import NftNetlink
import Observability
@testable import Reconciler
import Ruleset
import Synchronization
import SystemdNotify
import Testing
import TestSupport

/// A kernel that is stuck or refuses every batch: the loop keeps going, retries ever more slowly, counts
/// each failure, and /healthz says so once it has lasted; nothing blocks behind the stuck request.
@Suite struct KernelFailureTests {
    let loop = LoopHarness()

    /// KernelApplier over a fake kernel that answers only after 4 s (with EIO); replies are awaited 200 ms.
    static func stuckApplier(_ kernel: FakeKernel) -> KernelApplier {
        let socket = NetlinkSocket(descriptor: kernel.agentEnd, replyTimeout: .milliseconds(200))
        return KernelApplier(programmer: KernelProgrammer(tableName: "netpol-agent", connection: NftConnection(socket: socket)))
    }

    /// Failure mode: a receive that never returned held KernelApplier's lock, so the counter reader
    /// (and every later apply) queued behind it for good.
    @Test func stuckKernelHoldsTheApplierLockOnlyUntilTheDeadline() throws {
        let kernel = FakeKernel()
        let stopKernel = kernel.answerLate(after: .seconds(4))
        defer { stopKernel() }
        let applier = Self.stuckApplier(kernel)
        let started = ContinuousClock.now
        let apply = Finished.running { try applier.apply(Ruleset(table: Table(family: .inet, name: "netpol-agent"))) }
        let counters = Finished.running { try applier.readCounters() }
        let applied = try #require(apply.wait(within: .seconds(20)))
        let read = try #require(counters.wait(within: .seconds(20)))
        #expect(ContinuousClock.now - started < .seconds(2), "both ended after \(ContinuousClock.now - started)")
        #expect(Finished.text(applied).contains("no reply"), "\(Finished.text(applied))")
        #expect(Finished.text(read).contains("no reply"), "\(Finished.text(read))")
    }

    /// Failure mode: a stuck kernel was silent. The apply never ended, so neither the failure counter
    /// nor /healthz ever moved.
    @Test func stuckKernelIsCountedAndFailsLiveness() throws {
        let kernel = FakeKernel()
        let stopKernel = kernel.answerLate(after: .seconds(4))
        defer { stopKernel() }
        let telemetry = AgentTelemetry(metrics: AgentMetrics(), health: HealthState(thresholds: HealthThresholds(applyFailure: .milliseconds(500))),
                                       notifier: SystemdNotifier(socketPath: nil))
        let stop = loop.start(applier: Self.stuckApplier(kernel), hooks: telemetry.hooks)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(eventually(within: .seconds(3)) { !telemetry.health.liveness.isOK }, "liveness after 3 s: \(telemetry.health.liveness)")
        guard case .failing(let why) = telemetry.health.liveness else { return }
        #expect(why.contains("no reply") && why.contains("GETGEN"), "\(why)")
        let failures = Exposition.value(telemetry.metrics.exposition(), #"netpol_agent_apply_failures_total{mode="full"}"#) ?? 0
        #expect(failures >= 2)
    }

    /// Failure mode: a batch the kernel refuses every time was retried every second, for ever. Retries
    /// now wait twice as long each time (with jitter: between half and all of the delay).
    @Test func refusedApplyIsRetriedWithGrowingDelays() {
        let gaps = retryGaps(first: .milliseconds(40), maximum: .seconds(30), attempts: 7)
        for (index, gap) in gaps.prefix(6).enumerated() {
            let delay = 0.040 * Double(1 << index)
            #expect(gap >= delay / 2 * 0.95 && gap <= delay + 0.1, "retry \(index + 1) after \(gap) s, for a delay of \(delay) s")
        }
    }

    /// Failure mode: without a cap, a long outage pushed retries hours apart.
    @Test func retryDelayStopsGrowingAtTheCap() {
        // Uncapped, the 9th retry would wait 2.56 s; the loop's own 250 ms tick must not be what bounds it.
        let gaps = retryGaps(first: .milliseconds(20), maximum: .milliseconds(100), attempts: 10)
        for gap in gaps.dropFirst(3) {
            #expect(gap >= 0.05 * 0.95 && gap <= 0.1 + 0.12, "retry after \(gap) s, for a capped delay of 0.1 s")
        }
    }

    /// Seconds between the tries of an apply refused every time, over the first `attempts` tries.
    private func retryGaps(first: Duration, maximum: Duration, attempts: Int) -> [Double] {
        let applier = RecordingApplier()
        applier.refuseAlways()
        var tuning = ReconcilerTuning()
        tuning.retryDelay = first
        tuning.maximumRetryDelay = maximum
        let stop = loop.start(applier: applier, tuning: tuning)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(eventually(within: .seconds(10)) { applier.attempts.count >= attempts })
        let tries = applier.attempts.prefix(attempts)
        return zip(tries.dropFirst(), tries).map { ($0 - $1).seconds }
    }

    /// An applier the kernel refuses every time, through the agent's own wiring: each failure counted,
    /// liveness failing once the failures have lasted past --apply-failure-timeout (and not before),
    /// and one success making it healthy again.
    @Test func refusedAppliesFailLivenessAfterTheThresholdAndOneSuccessResetsIt() {
        let skew = Mutex(Duration.zero)
        let health = HealthState(thresholds: HealthThresholds(applyFailure: .seconds(60)), now: { ContinuousClock.now + skew.withLock { $0 } })
        let telemetry = AgentTelemetry(metrics: AgentMetrics(), health: health, notifier: SystemdNotifier(socketPath: nil))
        let applier = RecordingApplier()
        applier.refuseAlways()
        let stop = loop.start(applier: applier, hooks: telemetry.hooks)
        defer { stop() }
        loop.listIsolatedPod()
        #expect(eventually { applier.attempts.count >= 3 })
        #expect(health.liveness.isOK, "failures younger than the threshold do not fail liveness")
        skew.withLock { $0 += .seconds(61) }
        #expect(!health.liveness.isOK)
        if case .failing(let why) = health.liveness { #expect(why.contains("refused by the test applier"), "\(why)") }
        let failures = Exposition.value(telemetry.metrics.exposition(), #"netpol_agent_apply_failures_total{mode="full"}"#) ?? 0
        #expect(failures >= 3)
        #expect(!health.readiness.isOK)

        applier.failNext(0)
        #expect(applier.wait(for: 1))
        #expect(eventually { health.liveness.isOK }, "one success resets liveness: \(health.liveness)")
        #expect(health.readiness.isOK)
    }
}
