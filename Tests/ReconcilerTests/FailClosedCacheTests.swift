import ClusterCache
import ClusterModel
import Foundation
import KubeClient
import Logging
import Testing

/// Faults of the API path that must not open traffic: unreadable policies, relists that fail.
struct FailClosedCacheTests {
    let cache = ClusterCache(signal: ChangeSignal(), logger: Logger(label: "test"))

    func syncedEmpty() {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [])
        relist(cache.policySink, [])
        _ = cache.drainChanges()
    }

    static func policy(_ json: String) -> DecodedObject<NetworkPolicyObject> {
        try! JSONDecoder().decode(DecodedObject<NetworkPolicyObject>.self, from: Data(json.utf8))
    }

    func drainedPolicies() throws -> [NetworkPolicy] {
        try #require(cache.drainChanges()).policies.compactMap { change in
            if case .upsert(let policy) = change { policy } else { nil }
        }
    }

    /// Failure mode closed: a new policy that fails validation was skipped, leaving its pods open.
    @Test func newInvalidPolicyIsolatesItsPodsInBothDirectionsWhenPolicyTypesAreUnreadable() throws {
        syncedEmpty()
        cache.policySink.upsert(Wire.invalidPolicy("x", "p"))  // policyTypes ["Sideways"], podSelector app=web
        let standIn = try #require(try drainedPolicies().first, "an unreadable policy must not be skipped")
        #expect(standIn.podSelector == LabelSelector(requirements: [.init(key: "app", op: .in(["web"]))]))
        #expect(standIn.isolatesIngress && standIn.isolatesEgress)
        #expect(standIn.ingress.isEmpty && standIn.egress.isEmpty, "it allows nothing")
        #expect(standIn.unreadable?.hasPrefix("spec.policyTypes[0]: unknown policy type") == true)
    }

    /// Failure mode closed: an invalid rule (here a CIDR) made the whole policy vanish.
    @Test func invalidRuleIsolatesTheSelectedPodsInTheNamedDirectionOnly() throws {
        syncedEmpty()
        cache.policySink.upsert(Self.policy(#"""
        {"metadata":{"name":"p","namespace":"x"},"spec":{"podSelector":{"matchLabels":{"app":"db"}},
         "policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/33"}}]}]}}
        """#))
        let standIn = try #require(try drainedPolicies().first)
        #expect(standIn.podSelector == LabelSelector(requirements: [.init(key: "app", op: .in(["db"]))]))
        #expect(!standIn.isolatesIngress && standIn.isolatesEgress)
        #expect(standIn.egress.isEmpty)
        #expect(standIn.unreadable?.hasPrefix("spec.egress[0].to[0].ipBlock.cidr") == true)
    }

    /// Failure mode closed: a policy whose podSelector cannot be read left the whole namespace open.
    @Test func unreadablePodSelectorIsolatesEveryPodOfTheNamespace() throws {
        syncedEmpty()
        cache.policySink.upsert(Self.policy(#"""
        {"metadata":{"name":"p","namespace":"x"},"spec":{"podSelector":{"matchExpressions":[{"key":"app","operator":"Near"}]},
         "policyTypes":["Ingress"]}}
        """#))
        // Not even decodable: a string where rules belong.
        cache.policySink.upsert(.invalid(ObjectMeta(name: "q", namespace: "x"), reason: "spec.ingress: expected Array"))
        let standIns = try drainedPolicies().sorted { $0.name < $1.name }
        #expect(standIns.map(\.name) == ["p", "q"])
        #expect(standIns.allSatisfy { $0.podSelector == .everything && $0.isolatesIngress })
        #expect(!standIns[0].isolatesEgress, "p's policyTypes were readable")
        #expect(standIns[1].isolatesEgress, "q could not be read at all: both directions")
    }

    @Test func standInGivesWayToTheFirstValidVersionAndFollowsLaterInvalidOnes() throws {
        syncedEmpty()
        cache.policySink.upsert(Wire.invalidPolicy("x", "p"))
        _ = cache.drainChanges()
        cache.policySink.upsert(Wire.policy("x", "p", app: "db", policyType: "Sideways"))
        #expect(try drainedPolicies().first?.podSelector == LabelSelector(requirements: [.init(key: "app", op: .in(["db"]))]),
                "a stand-in follows the latest unreadable version")
        cache.policySink.upsert(Wire.policy("x", "p", app: "web", allowFrom: "client"))
        let valid = try #require(try drainedPolicies().first)
        #expect(valid.unreadable == nil && valid.ingress.count == 1)
        cache.policySink.upsert(Wire.invalidPolicy("x", "p"))
        #expect(try #require(cache.drainChanges()).isEmpty, "an invalid update of a valid policy keeps the valid one")
    }

    /// Failure mode closed: while any kind relisted, nothing drained, so a pods relist that kept
    /// failing froze policy changes too.
    @Test func relistOfOneKindHoldsBackOnlyItsOwnChanges() throws {
        syncedEmpty()
        cache.podSink.beginRelist()
        cache.podSink.relisted([Wire.pod("x", "a", ip: "10.0.0.1")])  // first page; the next keeps failing
        cache.policySink.upsert(Wire.policy("x", "deny-web", app: "web"))
        cache.namespaceSink.upsert(Wire.namespace("y"))
        let changes = try #require(cache.drainChanges(), "other kinds' changes flow during a pods relist")
        #expect(changes.policies.count == 1 && changes.namespaces.count == 1)
        #expect(changes.pods.isEmpty, "the relisting kind keeps its last complete state")
        #expect(changes.since != nil)

        cache.podSink.beginRelist()  // the retry starts over and completes
        cache.podSink.relisted([Wire.pod("x", "b", ip: "10.0.0.2")])
        cache.podSink.endRelist()
        let pods = try #require(cache.drainChanges()).pods
        #expect(pods.count == 2, "a, listed by the failed attempt, vanished again; b is new")
    }

    @Test func nothingDrainsBeforeEveryKindsFirstList() {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.policySink, [Wire.policy("x", "p", app: "web")])
        cache.podSink.beginRelist()
        #expect(cache.drainChanges() == nil)
    }
}

extension FailClosedCacheTests {
    static func pod(_ json: String) -> DecodedObject<PodObject> {
        try! JSONDecoder().decode(DecodedObject<PodObject>.self, from: Data(json.utf8))
    }

    /// Failure mode closed: a pod that failed validation was skipped, so no policy isolated it.
    @Test func unreadablePodIsEnforcedFromItsAddressesAndLabelsWithoutNamedPorts() throws {
        syncedEmpty()
        cache.podSink.upsert(Self.pod(#"""
        {"metadata":{"name":"a","namespace":"x","labels":{"app":"web"}},
         "spec":{"nodeName":"node-1","containers":[{"ports":[{"name":"http","containerPort":80,"protocol":"QUIC"}]}]},
         "status":{"phase":"Running","podIP":"10.0.0.7"}}
        """#))
        let changes = try #require(cache.drainChanges())
        guard case .upsert(let pod) = try #require(changes.pods.first) else { Issue.record("expected the pod"); return }
        #expect(pod.isPartial && pod.isEnforceable)
        #expect(pod.addresses.map(\.description) == ["10.0.0.7"] && pod.labels == ["app": "web"])
        #expect(pod.namedPorts.isEmpty, "no named port of a pod that could not be read")

        // A pod whose address cannot be read has nothing to enforce on: skipped, as before.
        cache.podSink.upsert(Self.pod(#"{"metadata":{"name":"b","namespace":"x"},"status":{"podIP":"10.0.0.300"}}"#))
        #expect(try #require(cache.drainChanges()).pods.isEmpty)
    }
}
