import ClusterCache
import ClusterModel
import KubeClient
import Logging
import Testing

/// Cache semantics: sync gating, relists dropping what vanished, bad input never weakening what is in force.
struct CacheTests {
    let signal = ChangeSignal()
    let cache: ClusterCache

    init() {
        cache = ClusterCache(signal: signal, logger: Logger(label: "test"))
    }

    /// Lists all three kinds with the given contents.
    func sync(namespaces: [DecodedObject<NamespaceObject>] = [], pods: [DecodedObject<PodObject>] = [],
              policies: [DecodedObject<NetworkPolicyObject>] = []) {
        relist(cache.namespaceSink, namespaces)
        relist(cache.podSink, pods)
        relist(cache.policySink, policies)
    }

    func relist<Object>(_ sink: some ReflectorSink<Object>, _ objects: [DecodedObject<Object>]) {
        sink.beginRelist()
        // Two pages, as a paginated LIST delivers them.
        sink.relisted(Array(objects.prefix(objects.count / 2)))
        sink.relisted(Array(objects.dropFirst(objects.count / 2)))
        sink.endRelist()
    }

    static func names<Model>(_ changes: [CacheChanges.Change<Model>], _ name: (Model) -> String) -> [String] {
        changes.map { change in
            switch change {
            case .upsert(let model): return "+" + name(model)
            case .remove(let key): return "-" + key.description
            }
        }.sorted()
    }

    @Test func nothingIsDrainedUntilEveryKindHasBeenListed() throws {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.podSink, [Wire.pod("x", "a", ip: "10.0.0.1")])
        #expect(cache.drainChanges() == nil)
        #expect(!cache.isSettled)
        relist(cache.policySink, [])
        let changes = try #require(cache.drainChanges())
        #expect(changes.count == 2)
        #expect(try #require(cache.drainChanges()).isEmpty, "drained changes are forgotten")
    }

    @Test func relistDropsWhatVanishedMeanwhile() throws {
        sync(namespaces: [Wire.namespace("x")],
             pods: [Wire.pod("x", "a", ip: "10.0.0.1"), Wire.pod("x", "b", ip: "10.0.0.2"), Wire.pod("x", "c", ip: "10.0.0.3")],
             policies: [Wire.policy("x", "p", app: "web"), Wire.policy("x", "q", app: "db")])
        _ = cache.drainChanges()

        // The watch broke with 410; meanwhile b and q were deleted and d was created.
        cache.podSink.beginRelist()
        cache.podSink.relisted([Wire.pod("x", "a", ip: "10.0.0.1"), Wire.pod("x", "c", ip: "10.0.0.3")])
        #expect(try #require(cache.drainChanges()).pods.isEmpty, "no pod change reaches the kernel in the middle of a pods relist")
        cache.podSink.relisted([Wire.pod("x", "d", ip: "10.0.0.4")])
        cache.podSink.endRelist()
        relist(cache.policySink, [Wire.policy("x", "p", app: "web")])

        let changes = try #require(cache.drainChanges())
        #expect(Self.names(changes.pods, \.name) == ["+d", "-x/b"])
        #expect(Self.names(changes.policies, \.name) == ["-x/q"])
        #expect(cache.counts.pods == 3 && cache.counts.policies == 1)
    }

    /// A relist into an empty store (the first sync) keeps keys only of what it removes, yet drains
    /// what the per-key bookkeeping drained: every stored object, and the removal of one deleted before
    /// the end or listed only by an attempt that was cut.
    @Test func firstSyncDrainsWhatIsStoredAtItsEnd() throws {
        relist(cache.namespaceSink, [Wire.namespace("x")])
        relist(cache.policySink, [])
        cache.podSink.beginRelist()
        cache.podSink.relisted([Wire.pod("x", "a", ip: "10.0.0.1"), Wire.pod("x", "stale", ip: "10.0.0.9")])
        // The WatchList broke before its end bookmark; the next one no longer lists "stale".
        cache.podSink.beginRelist()
        cache.podSink.relisted([Wire.pod("x", "a", ip: "10.0.0.1"), Wire.pod("x", "b", ip: "10.0.0.2"), Wire.pod("x", "gone", ip: "10.0.0.3")])
        cache.podSink.delete(Wire.pod("x", "gone", ip: "10.0.0.3"))
        #expect(cache.drainChanges()?.pods.isEmpty != false, "nothing drained mid-relist")
        cache.podSink.endRelist()
        let changes = try #require(cache.drainChanges())
        #expect(Self.names(changes.pods, \.name) == ["+a", "+b", "-x/gone", "-x/stale"])
        #expect(Self.names(changes.namespaces, \.name) == ["+x"])

        // From now on changes are tracked per key again.
        cache.podSink.delete(Wire.pod("x", "a", ip: "10.0.0.1"))
        cache.podSink.upsert(Wire.pod("x", "c", ip: "10.0.0.4"))
        #expect(Self.names(try #require(cache.drainChanges()).pods, \.name) == ["+c", "-x/a"])
        relist(cache.podSink, [Wire.pod("x", "c", ip: "10.0.0.4")])
        #expect(Self.names(try #require(cache.drainChanges()).pods, \.name) == ["-x/b"])
    }

    @Test func invalidUpdateKeepsTheLastValidPolicy() throws {
        sync(namespaces: [Wire.namespace("x")], policies: [Wire.policy("x", "p", app: "web", allowFrom: "client")])
        _ = cache.drainChanges()

        cache.policySink.upsert(Wire.invalidPolicy("x", "p"))
        cache.policySink.upsert(.invalid(ObjectMeta(name: "p", namespace: "x"), reason: "spec.ingress: expected Array"))
        #expect(try #require(cache.drainChanges()).isEmpty, "the valid version stays")

        // A relist that still lists the (invalid) policy keeps its last valid version too.
        relist(cache.policySink, [Wire.invalidPolicy("x", "p")])
        #expect(try #require(cache.drainChanges()).isEmpty)
        #expect(cache.counts.policies == 1)

        // A valid update replaces it; a new invalid policy is a fail-closed stand-in, touching no other.
        cache.policySink.upsert(Wire.policy("x", "p", app: "web"))
        cache.policySink.upsert(Wire.invalidPolicy("x", "other"))
        let changes = try #require(cache.drainChanges())
        #expect(Self.names(changes.policies, \.name) == ["+other", "+p"])
        // Deleting works by name even when the deleted object no longer decodes.
        cache.policySink.delete(.invalid(ObjectMeta(name: "p", namespace: "x"), reason: "garbled"))
        #expect(Self.names(try #require(cache.drainChanges()).policies, \.name) == ["-x/p"])
    }

    @Test func eventsOnOneObjectCoalesce() throws {
        sync(namespaces: [Wire.namespace("x")])
        _ = cache.drainChanges()
        cache.podSink.upsert(Wire.pod("x", "a", ip: "10.0.0.1"))
        cache.podSink.upsert(Wire.pod("x", "a", ip: "10.0.0.1", labels: ["app": "web"]))
        cache.podSink.upsert(Wire.pod("x", "a", ip: "10.0.0.9", labels: ["app": "web"]))
        cache.podSink.upsert(Wire.pod("x", "b", ip: "10.0.0.2"))
        cache.podSink.delete(Wire.pod("x", "b", ip: "10.0.0.2"))
        let changes = try #require(cache.drainChanges())
        #expect(Self.names(changes.pods, \.name) == ["+a", "-x/b"])
        guard case .upsert(let pod) = changes.pods.first(where: { if case .upsert = $0 { true } else { false } }) else { return }
        #expect(pod.addresses.map(\.description) == ["10.0.0.9"])
        // A MODIFIED that changes nothing enforcement reads (say, a pod condition) is no change.
        cache.podSink.upsert(Wire.pod("x", "a", ip: "10.0.0.9", labels: ["app": "web"]))
        #expect(try #require(cache.drainChanges()).isEmpty)
    }

    @Test func changesWakeTheReconciler() {
        sync(namespaces: [Wire.namespace("x")])
        #expect(signal.wait(until: .now))
        #expect(!signal.wait(until: .now), "one wake-up for many changes")
        cache.podSink.upsert(Wire.pod("x", "a", ip: "10.0.0.1"))
        #expect(signal.wait(until: .now))
    }
}
