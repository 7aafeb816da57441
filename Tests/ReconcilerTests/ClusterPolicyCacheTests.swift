import ClusterCache
import ClusterModel
import Foundation
import KubeClient
import Logging
import Testing
import TestSupport

/// ClusterNetworkPolicies and Nodes in the cache: the first sync's wait for them, their removal when
/// the API stops serving them, and fail-closed stand-ins.
struct ClusterPolicyCacheTests {
    static func policy(_ name: String, priority: Int = 10, tier: String = "Admin") -> DecodedObject<ClusterNetworkPolicyObject> {
        let json = #"{"metadata":{"name":"\#(name)"},"spec":{"tier":"\#(tier)","priority":\#(priority),"subject":{"namespaces":{}},"#
            + #""egress":[{"action":"Deny","to":[{"networks":["10.0.0.0/8"]}]}]}}"#
        return try! JSONDecoder().decode(DecodedObject<ClusterNetworkPolicyObject>.self, from: Data(json.utf8))
    }

    static func node(_ name: String, ip: String) -> DecodedObject<NodeObject> {
        .valid(NodeObject(metadata: ObjectMeta(name: name), status: .init(addresses: [.init(type: "InternalIP", address: ip)])))
    }

    static func listNetworkPolicyKinds(_ cache: ClusterCache) {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [])
        relist(cache.policySink, [])
    }

    static func names(_ changes: CacheChanges) -> [String] {
        CacheTests.names(changes.clusterPolicies) { $0.name } + CacheTests.names(changes.nodes) { $0.name }.map { "node " + $0 }
    }

    @Test func theFirstSyncWaitsForDiscoveryAndForTheListOfClusterNetworkPolicies() {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"), discoversClusterPolicies: true)
        Self.listNetworkPolicyKinds(cache)
        #expect(cache.drainChanges() == nil, "discovery has not answered")
        cache.clusterPolicyAPI(served: true)
        #expect(cache.drainChanges() == nil, "served, not listed yet")
        relist(cache.clusterPolicySink, [Self.policy("deny-x")])
        #expect(cache.drainChanges() == nil, "Nodes not listed yet")
        relist(cache.clusterNodeSink, [Self.node("n1", ip: "192.0.2.1")])
        let first = try! #require(cache.drainChanges())
        #expect(Self.names(first) == ["+deny-x", "node +n1"])
        #expect(first.namespaces.count == 1, "the other kinds come in the same first sync")
    }

    @Test func absentAPIHoldsNothingBack() {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"), discoversClusterPolicies: true)
        Self.listNetworkPolicyKinds(cache)
        #expect(cache.clusterPolicyAPI(served: false) == 0)
        #expect(cache.drainChanges()?.namespaces.count == 1)
    }

    /// A CRD served but not listable (RBAC missing): the table in the kernel, Admin Denies included,
    /// must not be replaced by one without them, however long that lasts.
    @Test func anUnlistableAPIHoldsTheFirstSyncBackUntilListed() throws {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"), discoversClusterPolicies: true)
        Self.listNetworkPolicyKinds(cache)
        cache.clusterPolicyAPI(served: true)
        #expect(cache.drainChanges() == nil)
        relist(cache.clusterNodeSink, [])
        #expect(cache.drainChanges() == nil, "Nodes listed, ClusterNetworkPolicies not yet")
        relist(cache.clusterPolicySink, [Self.policy("late")])
        let first = try #require(cache.drainChanges())
        #expect(Self.names(first) == ["+late"] && first.namespaces.count == 1)
    }

    @Test func anAPINoLongerServedRemovesEveryClusterNetworkPolicyAndNode() throws {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))
        Self.listNetworkPolicyKinds(cache)
        cache.clusterPolicyAPI(served: true)
        relist(cache.clusterPolicySink, [Self.policy("a"), Self.policy("b")])
        relist(cache.clusterNodeSink, [Self.node("n1", ip: "192.0.2.1")])
        _ = cache.drainChanges()
        #expect(cache.clusterPolicyAPI(served: false) == 2)
        #expect(Self.names(try #require(cache.drainChanges())) == ["-a", "-b", "node -n1"])
    }

    @Test func anUnreadablePolicyIsAStandInUntilValidAndABadUpdateKeepsTheValidVersion() throws {
        let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))
        Self.listNetworkPolicyKinds(cache)
        relist(cache.clusterPolicySink, [Self.policy("bad", priority: 5000, tier: "Baseline")])
        let standIn = try #require(cache.drainChanges()?.clusterPolicies.first)
        guard case .upsert(let policy) = standIn else { Issue.record("no stand-in: \(standIn)"); return }
        #expect(policy.unreadable?.hasPrefix("spec.priority: ") == true)
        #expect(policy.tier == .baseline && policy.priority == 0 && policy.egress.isEmpty)

        cache.clusterPolicySink.upsert(Self.policy("bad", priority: 7))
        cache.clusterPolicySink.upsert(.invalid(ObjectMeta(name: "bad"), reason: "spec: expected an object"))
        guard case .upsert(let kept)? = cache.drainChanges()?.clusterPolicies.first else { Issue.record("no change"); return }
        #expect(kept.unreadable == nil && kept.priority == 7, "the valid version stays in force")
    }
}
