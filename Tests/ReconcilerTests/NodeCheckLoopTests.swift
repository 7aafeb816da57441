import IPAddressing
import Reconciler
import Synchronization
import Testing
import TestSupport

/// When the reconciler checks the node's paths (`NodePathCheck` in the agent) and where the findings go.
struct NodeCheckLoopTests {
    /// What the check was asked and what the hooks were told, in order.
    private final class Calls: Sendable {
        let checked = Mutex<[[IPAddress]]>([])
        let reported = Mutex<[[UnenforcedPath]]>([])
    }

    /// Closes "checked once at startup, never again": a bridge setting turned off later must show at the
    /// next resync, with the local pods' addresses, and each finding must reach the hooks (metrics, /readyz).
    @Test func nodeIsCheckedAtStartupAndAtEveryResync() {
        let loop = LoopHarness()
        let calls = Calls()
        let finding = UnenforcedPath(bridge: "cni0", setting: "net.bridge.bridge-nf-call-iptables")
        var hooks = SyncHooks()
        hooks.nodeChecked = { paths in calls.reported.withLock { $0.append(paths) } }
        var tuning = LoopHarness.fastRetries
        tuning.resyncInterval = .milliseconds(300)
        let stop = loop.start(applier: RecordingApplier(), tuning: tuning, hooks: hooks) { addresses in
            calls.checked.withLock { $0.append(addresses) }
            return [finding]
        }
        defer { stop() }
        #expect(loop.settle())
        #expect(calls.checked.withLock { $0.isEmpty }, "nothing to check before every kind is listed")
        loop.listIsolatedPod()
        #expect(eventually(within: .seconds(10)) { calls.checked.withLock { $0.count } >= 3 }, "startup and two resyncs")
        #expect(calls.checked.withLock { $0.allSatisfy { $0 == [IPAddress("10.0.0.1")!] } })
        #expect(calls.reported.withLock { $0.count >= 3 && $0.allSatisfy { $0 == [finding] } })
    }
}
