import Observability
import Testing

@Suite struct AgentMetricsTests {
    let metrics = AgentMetrics()

    var current: [String: Double] { samples(metrics.exposition()) }

    @Test func everySeriesIsNamespacedAndLabelledSeriesStartAtZero() {
        let now = current
        #expect(!now.isEmpty)
        #expect(now.keys.allSatisfy { $0.hasPrefix("netpol_agent_") })
        #expect(now[#"netpol_agent_watch_restarts_total{resource="pods"}"#] == 0)
        #expect(now[#"netpol_agent_api_errors_total{resource="networkpolicies"}"#] == 0)
        #expect(now[#"netpol_agent_rejected_objects_total{kind="NetworkPolicy"}"#] == 0)
        #expect(now[#"netpol_agent_apply_failures_total{mode="incremental"}"#] == 0)
        #expect(now["netpol_agent_sync_duration_seconds_count"] == 0)
    }

    /// A path reported unenforced shows 1; once the node check no longer finds it, 0 rather than a stale 1.
    @Test func unenforcedPathGaugeGoesBackToZero() {
        let sample = #"netpol_agent_node_path_unenforced{bridge="cni0",setting="net.bridge.bridge-nf-call-ip6tables"}"#
        #expect(current[sample] == nil, "no series before anything is found")
        metrics.setUnenforcedPaths([(bridge: "cni0", setting: "net.bridge.bridge-nf-call-ip6tables")])
        #expect(current[sample] == 1)
        metrics.setUnenforcedPaths([])
        #expect(current[sample] == 0)
    }

    /// 0 until discovery finds ClusterNetworkPolicies served, and again once they are not.
    @Test func clusterPolicyAPIGaugeFollowsDiscovery() {
        let sample = "netpol_agent_cluster_network_policy_api_available"
        #expect(current[sample] == 0)
        #expect(current[#"netpol_agent_api_errors_total{resource="clusternetworkpolicies"}"#] == 0)
        metrics.setClusterPolicyAPIAvailable(true)
        #expect(current[sample] == 1)
        metrics.setClusterPolicyAPIAvailable(false)
        #expect(current[sample] == 0)
    }

    @Test func countersGaugesAndHistogramsMove() {
        metrics.recordSync(duration: .milliseconds(40))
        metrics.recordEventToKernel(latency: .milliseconds(8))
        metrics.recordApply(.incremental, duration: .microseconds(300))
        metrics.recordApplyFailure(.full)
        metrics.recordWatchRestart(resource: "pods")
        metrics.recordAPIError(resource: "pods")
        metrics.recordAPIError(resource: "pods")
        metrics.recordRejected(kind: "NetworkPolicy")
        metrics.recordAPIRequest(resource: "pods", request: "watchList")
        metrics.recordRelist(resource: "pods", cause: "expired")
        metrics.recordRelist(resource: "pods", cause: "expired")
        metrics.recordRetryAfter(wait: .seconds(2))
        metrics.setProgrammed(ProgrammedObjects(pods: 30, policies: 4, namespaces: 3, sets: 9, setElements: 120, chains: 6, rules: 21))

        let now = current
        #expect(now[#"netpol_agent_sync_duration_seconds_bucket{le="0.05"}"#] == 1)
        #expect(now[#"netpol_agent_sync_duration_seconds_bucket{le="0.025"}"#] == 0)
        #expect(now["netpol_agent_event_to_kernel_latency_seconds_count"] == 1)
        #expect(now[#"netpol_agent_apply_duration_seconds_bucket{mode="incremental",le="0.001"}"#] == 1)
        #expect(now[#"netpol_agent_apply_failures_total{mode="full"}"#] == 1)
        #expect(now[#"netpol_agent_watch_restarts_total{resource="pods"}"#] == 1)
        #expect(now[#"netpol_agent_api_errors_total{resource="pods"}"#] == 2)
        #expect(now[#"netpol_agent_rejected_objects_total{kind="NetworkPolicy"}"#] == 1)
        #expect(now[#"netpol_agent_api_requests_total{resource="pods",request="watchList"}"#] == 1)
        #expect(now[#"netpol_agent_relists_total{resource="pods",cause="expired"}"#] == 2)
        #expect(now["netpol_agent_retry_after_waits_total"] == 1 && now["netpol_agent_retry_after_wait_seconds_total"] == 2)
        #expect(now["netpol_agent_programmed_pods"] == 30)
        #expect(now["netpol_agent_programmed_set_elements"] == 120)
        #expect(now["netpol_agent_programmed_rules"] == 21)
    }

    @Test func policyCountersFollowAbsoluteKernelReadings() {
        let allowed = #"{namespace="prod",policy="web",tier="NetworkPolicy",direction="ingress",verdict="allowed"}"#
        let denied = #"{namespace="prod",policy="web",tier="NetworkPolicy",direction="ingress",verdict="denied"}"#
        metrics.publishPolicyCounters([
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .allowed, packets: 10, bytes: 1000),
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .allowed, packets: 5, bytes: 500),  // a second rule: added up
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .denied, packets: 2, bytes: 120),
        ])
        #expect(current["netpol_agent_policy_packets_total" + allowed] == 15)
        #expect(current["netpol_agent_policy_bytes_total" + allowed] == 1500)

        metrics.publishPolicyCounters([
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .allowed, packets: 20, bytes: 2000),
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .denied, packets: 3, bytes: 180),
        ])
        #expect(current["netpol_agent_policy_packets_total" + allowed] == 20)
        #expect(current["netpol_agent_policy_packets_total" + denied] == 3)

        // The table was recreated: the kernel counts from zero again, the exported counter keeps rising.
        metrics.publishPolicyCounters([
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .allowed, packets: 4, bytes: 400),
            (policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .denied, packets: 3, bytes: 180),
        ])
        #expect(current["netpol_agent_policy_packets_total" + allowed] == 24)

        // The policy is gone: so are its series.
        metrics.publishPolicyCounters([(policy: "prod/web", tier: "NetworkPolicy", direction: "ingress", verdict: .denied, packets: 3, bytes: 180)])
        #expect(current["netpol_agent_policy_packets_total" + allowed] == nil)
        #expect(current["netpol_agent_policy_packets_total" + denied] == 3)
    }

    /// ClusterNetworkPolicy rule counters: no namespace, their tier, and Pass counted as passed; an
    /// Admin and a Baseline reading of one name stay apart.
    @Test func clusterPolicyCountersCarryTheirTier() {
        metrics.publishPolicyCounters([
            (policy: "/guard", tier: "Admin", direction: "egress", verdict: .passed, packets: 4, bytes: 240),
            (policy: "/guard", tier: "Admin", direction: "egress", verdict: .denied, packets: 2, bytes: 120),
            (policy: "/guard", tier: "Baseline", direction: "egress", verdict: .denied, packets: 1, bytes: 60),
        ])
        let labels = { (tier: String, verdict: String) in #"{namespace="",policy="guard",tier="\#(tier)",direction="egress",verdict="\#(verdict)"}"# }
        #expect(current["netpol_agent_policy_packets_total" + labels("Admin", "passed")] == 4)
        #expect(current["netpol_agent_policy_packets_total" + labels("Admin", "denied")] == 2)
        #expect(current["netpol_agent_policy_bytes_total" + labels("Baseline", "denied")] == 60)
    }
}
