import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import Synchronization
import Testing
import TestSupport

/// What the reflector asks the API server for, against the fake's watch-cache model: WatchList first,
/// LISTs the cache serves, relists after a backoff at the last synced version, Retry-After.
struct CacheServedSyncTests {
    typealias Fake = FakeServerClientTests

    /// One entry of the fake's request log.
    struct Request {
        var what: String
        var query: [String: String]
        var status: Int?
        /// Arrival, seconds on the server's monotonic clock.
        var at: Double
        var servedFrom: String?

        static func log(_ server: FakeAPIServer, resource: String = "pods") throws -> [Request] {
            let entries = try server.send(["op": "requests"])["requests"] as? [[String: Any]] ?? []
            return entries.compactMap { entry in
                guard let what = entry["what"] as? String, what.hasSuffix(":\(resource)") else { return nil }
                return Request(what: what, query: entry["query"] as? [String: String] ?? [:], status: entry["status"] as? Int,
                               at: entry["at"] as? Double ?? 0, servedFrom: entry["servedFrom"] as? String)
            }
        }
    }

    static func watching(_ server: FakeAPIServer, _ count: Int = 1) -> Bool {
        eventually(within: .seconds(10)) { ((try? server.send(["op": "stats"])["openWatches"] as? [String: Int])??["pods"] ?? 0) >= count }
    }

    @Test func firstSyncIsOneWatchListAndNoList() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        for name in ["a", "b", "c"] { try server.apply(Fake.pod(name)) }
        let sink = RecordingSink<PodObject>()
        let stop = Fake.reflect(connection, into: sink)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["a", "b", "c"] })
        try server.apply(Fake.pod("d"))
        #expect(sink.wait { $0.names.contains("d") })
        // One request: the state streamed, then the same stream went on as the watch.
        let requests = try Request.log(server)
        #expect(requests.map(\.what) == ["watchlist:pods"], "\(requests)")
        let query = requests.first?.query ?? [:]
        #expect(query["sendInitialEvents"] == "true" && query["resourceVersionMatch"] == "NotOlderThan"
                && query["allowWatchBookmarks"] == "true" && query["resourceVersion"] == nil, "\(query)")
    }

    /// A server that refuses WatchList gets a LIST from its cache this round; the next sync tries
    /// WatchList again, and relists at the last synced version.
    @Test(arguments: ["off", "old-server", "no-progress-notify"])
    func watchListFallsBackToListWhenRefused(mode: String) throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory, ["--watchlist", mode])
        defer { server.stop() }
        try server.apply(Fake.pod("a"))
        let sink = RecordingSink<PodObject>()
        let stop = Fake.reflect(connection, into: sink, tuning: .fast)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["a"] })
        #expect(Self.watching(server))
        let first = try Request.log(server)
        #expect(first.map(\.what) == ["watchlist:pods", "list:pods", "watch:pods"], "\(first)")
        #expect(first[1].query["resourceVersion"] == "0" && first[1].query["limit"] == "500" && first[1].servedFrom == "cache")

        // A 410 on the watch: the next sync is a WatchList again, then a LIST at the last version, no limit.
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("b"))
        try server.send(["op": "restart-cache"])
        #expect(sink.wait { $0.relists == 2 && $0.names == ["a", "b"] })
        let relist = try Request.log(server).dropFirst(first.count).filter { $0.what != "watch:pods" }
        #expect(relist.map(\.what) == ["watchlist:pods", "list:pods"], "\(relist)")
        let version = relist.last?.query["resourceVersion"].flatMap { Int($0) } ?? 0
        #expect(version > 0 && relist.last?.query["limit"] == nil && relist.last?.servedFrom == "cache", "\(relist)")
    }

    /// A 1.37 server answers a WatchList that accepts gzip with one gzip member per flush, which
    /// libcurl stops reading after the first; the reflector's watches do not offer gzip.
    @Test func watchListSurvivesGzipMembers() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory, ["--watchlist-compression", "on"])
        defer { server.stop() }
        for name in ["a", "b", "c"] { try server.apply(Fake.pod(name)) }
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        let stop = Fake.reflect(connection, into: sink, hooks: failures.hooks)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["a", "b", "c"] }, "\(failures.all)")
        try server.apply(Fake.pod("d"))
        #expect(sink.wait { $0.names.contains("d") }, "\(failures.all)")
        #expect(failures.all.isEmpty, "\(failures.all)")
    }

    /// A WatchList cut before its end bookmark completes nothing: no object vanishes, and it is tried
    /// again (as a WatchList) until one completes.
    @Test func watchListCutBeforeTheMarkerDropsNothing() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        for name in ["a", "b", "c", "d"] { try server.apply(Fake.pod(name)) }
        let sink = RecordingSink<PodObject>()
        let stop = Fake.reflect(connection, into: sink, tuning: .fast)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        #expect(Self.watching(server))
        try server.send(["op": "watch-body", "mode": "cut-before-marker", "resource": "pods"])
        try server.send(["op": "reset-stats"])
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("e"))
        try server.send(["op": "restart-cache"])
        #expect(sink.wait { _ in ((try? server.requestCounts())?["watchlist:pods"] ?? 0) >= 3 })
        #expect(sink.relists == 1 && sink.vanished.isEmpty && sink.names == ["a", "b", "c", "d"], "\(sink.names)")
        try server.send(["op": "clear-faults"])
        #expect(sink.wait { $0.relists == 2 && $0.names == ["a", "b", "c", "d", "e"] })
        let counts = try server.requestCounts()
        #expect(sink.vanished.isEmpty && counts["list:pods"] == nil, "\(counts)")
    }

    /// Failure mode closed: a 410 relisted at once, with consistent paginated LISTs from etcd.
    @Test func relistAfter410WaitsAndUsesTheLastVersion() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        for name in ["a", "b"] { try server.apply(Fake.pod(name)) }
        let sink = RecordingSink<PodObject>()
        var tuning = ReflectorTuning()
        tuning.useWatchList = false
        let stop = Fake.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        #expect(Self.watching(server))
        try server.send(["op": "reset-stats"])
        // The reflector backs off after the cut; meanwhile b goes and the cache restarts past its version.
        try server.send(["op": "drop-watches"])
        try server.delete(kind: "Pod", namespace: "default", name: "b")
        try server.send(["op": "restart-cache"])
        #expect(sink.wait { $0.relists == 2 && $0.names == ["a"] })
        let requests = try Request.log(server)
        guard let list = requests.firstIndex(where: { $0.what == "list:pods" }), list > 0 else {
            Issue.record("no relist: \(requests)")
            return
        }
        let expired = requests[list - 1]
        #expect(expired.what == "watch:pods")
        #expect(requests[list].at - expired.at >= 0.8, "relisted \(requests[list].at - expired.at) s after the 410")
        #expect(requests[list].query["resourceVersion"] == expired.query["resourceVersion"] && requests[list].query["limit"] == nil
                && requests[list].servedFrom == "cache", "\(requests[list])")
    }

    /// The cache is behind the last synced version: the LIST at that version waits, is answered
    /// TooLarge (retried per Retry-After), then a consistent paginated LIST follows at once, and the
    /// stale cache state never reaches the sink.
    @Test func relistFallsBackToConsistentWhenTheCacheIsBehind() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        try server.apply(Fake.pod("a"))
        let sink = RecordingSink<PodObject>()
        var tuning = ReflectorTuning.fast
        tuning.useWatchList = false
        tuning.retry.maxRetries = 1
        let stop = Fake.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        try server.send(["op": "cache-lag", "resource": "pods", "frozen": true])
        try server.apply(Fake.pod("new"))
        #expect(sink.wait { $0.names.contains("new") })
        try server.send(["op": "reset-stats"])
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("later"))
        try server.send(["op": "compact"])
        #expect(sink.wait { $0.relists == 2 && $0.names == ["a", "new", "later"] })
        let lists = try Request.log(server).filter { $0.what == "list:pods" }
        #expect(lists.map(\.status) == [504, 504, 200], "\(lists)")
        #expect(lists.prefix(2).allSatisfy { $0.query["resourceVersion"] != nil && $0.query["limit"] == nil }, "\(lists)")
        #expect(lists.last?.query["resourceVersion"] == nil && lists.last?.query["limit"] == "500" && lists.last?.servedFrom == "etcd")
        #expect(!sink.vanished.contains("new"), "the frozen cache's older state was applied")
    }

    /// RV "0" is answered whole from the cache (limit ignored); where the server has no watch cache
    /// it paginates, and the reflector keeps paginating from then on.
    @Test(arguments: [true, false])
    func firstListIsServedFromTheCache(watchCache: Bool) throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory, ["--watch-cache", watchCache ? "on" : "off"])
        defer { server.stop() }
        for index in 0..<600 { try server.apply(Fake.pod("p\(index)")) }
        let sink = RecordingSink<PodObject>()
        var tuning = ReflectorTuning.fast
        tuning.useWatchList = false
        let stop = Fake.reflect(connection, into: sink, tuning: tuning)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names.count == 600 })
        #expect(Self.watching(server))
        let lists = try Request.log(server).filter { $0.what == "list:pods" }
        #expect(lists.first?.query["resourceVersion"] == "0")
        #expect(lists.map(\.servedFrom) == (watchCache ? ["cache"] : ["etcd", "etcd"]), "\(lists)")
        guard !watchCache else { return }
        try server.send(["op": "reset-stats"])
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("late"))
        try server.send(["op": "compact"])
        #expect(sink.wait { $0.relists == 2 && $0.names.count == 601 })
        let relists = try Request.log(server).filter { $0.what == "list:pods" }
        #expect(relists.allSatisfy { $0.query["limit"] == "500" }, "\(relists)")
    }

    /// Retry-After is waited out within the request (APF's text/plain 429 on a LIST, the unready
    /// cache's Status on a WatchList), up to the retry limit; then the reflector's backoff takes over.
    @Test func retryAfterIsHonouredOnListAndWatch() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        try server.send(["op": "fail", "status": 429, "count": 3, "verb": "watchlist", "resource": "pods", "form": "unready-cache",
                         "retryAfter": 1])
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        let waits = Mutex<[Duration]>([])
        var hooks = failures.hooks
        hooks.retryAfterWaited = { _, wait in waits.withLock { $0.append(wait) } }
        var tuning = ReflectorTuning()
        tuning.retry.maxRetries = 2
        let stop = Fake.reflect(connection, into: sink, tuning: tuning, hooks: hooks)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        #expect(waits.withLock { $0 } == [.seconds(1), .seconds(1)])
        #expect(failures.all.count == 1 && failures.all.first?.contains("429") == true, "\(failures.all)")
        let attempts = try Request.log(server).filter { $0.what == "watchlist:pods" }
        #expect(attempts.map(\.status) == [429, 429, 429, 200], "\(attempts)")
        // Two waits of Retry-After within the request, then one backoff step of the reflector.
        let gaps = zip(attempts, attempts.dropFirst()).map { $1.at - $0.at }
        #expect(gaps.count == 3 && gaps[0] >= 0.95 && gaps[1] >= 0.95 && gaps[2] >= 0.8, "\(gaps)")

        // APF rejects a LIST with a text/plain body: waited out, not a parse failure.
        let client = try APIClient(connection: connection)
        try server.send(["op": "fail", "status": 429, "count": 1, "verb": "list", "form": "apf", "retryAfter": 1])
        let started = ContinuousClock.now
        let page = try client.list(PodsResource.self, resourceVersion: "0", limit: 500, continue: nil)
        #expect(ContinuousClock.now - started >= .seconds(1) && page.resourceVersion != "")
        client.retry.maxRetries = 0
        try server.send(["op": "fail", "status": 429, "count": 1, "verb": "list", "form": "apf", "retryAfter": 7])
        let error = #expect(throws: APIError.self) { try client.list(PodsResource.self, limit: 500, continue: nil) }
        #expect(error?.isTooManyRequests == true && error?.retryAfter == .seconds(7), "\(String(describing: error))")
    }

    /// A 429 without Retry-After is not retried within the request: the reflector backs off, and a
    /// refused watch is resumed, not relisted.
    @Test func tooManyRequestsWithoutRetryAfterBacksOff() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        try server.send(["op": "fail", "status": 429, "count": 1, "verb": "watchlist", "form": "none"])
        let sink = RecordingSink<PodObject>()
        let stop = Fake.reflect(connection, into: sink)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 })
        let attempts = try Request.log(server)
        #expect(attempts.map(\.what) == ["watchlist:pods", "watchlist:pods"], "\(attempts)")
        #expect(attempts.count == 2 && attempts[1].at - attempts[0].at >= 0.8, "\(attempts)")

        #expect(Self.watching(server))
        try server.send(["op": "reset-stats"])
        try server.send(["op": "fail", "status": 429, "count": 1, "verb": "watch", "form": "none"])
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("after"))
        #expect(sink.wait { $0.names.contains("after") })
        let counts = try server.requestCounts()
        #expect(counts["watch:pods"] == 2 && counts["watchlist:pods"] == nil && counts["list:pods"] == nil, "\(counts)")
    }

    /// Failure mode closed: after an API server restart every reflector relisted at once. Now each
    /// waits its own jittered backoff step: 50 reflectors' relists are spread over about a second.
    @Test func fleetRelistsAreSpread() throws {
        let directory = try TemporaryDirectory()
        // Plain HTTP: 50 TLS handshakes with the Python server would take longer than the test.
        let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--kubeconfig-out", "\(directory.path)/kubeconfig",
                                                   "--bookmark-interval", "0.5"], log: "\(directory.path)/apiserver.log")
        defer { server.stop() }
        let connection = try KubeconfigLoader.load(paths: ["\(directory.path)/kubeconfig"])
        try server.apply(Fake.pod("a"))
        let starts = Mutex<[ContinuousClock.Instant]>([])
        var hooks = ReflectorHooks()
        hooks.relistStarted = { _, cause in if cause == .expired { starts.withLock { $0.append(.now) } } }
        let sinks = (0..<50).map { _ in RecordingSink<PodObject>() }
        // One stop for all: stopped one by one, each would wait for its transfer's next progress call (~1 s).
        let stop = StopToken()
        let threads = sinks.map { sink in
            let reflector = Reflector(PodsResource.self, connection: connection, sink: sink, hooks: hooks, logger: Logger(label: "test"))
            return WorkerThread { reflector.run(stop: stop) }
        }
        defer {
            stop.stop()
            threads.forEach { $0.join() }
        }
        #expect(sinks.allSatisfy { sink in sink.wait { $0.relists == 1 } })
        #expect(Self.watching(server, 50))
        try server.send(["op": "drop-watches"])
        try server.apply(Fake.pod("b"))
        let restarted = ContinuousClock.now
        try server.send(["op": "restart-cache"])
        #expect(sinks.allSatisfy { sink in sink.wait(timeout: .seconds(15)) { $0.relists == 2 && $0.names == ["a", "b"] } })
        let times = starts.withLock { $0 }
        guard times.count == 50, let first = times.min(), let last = times.max() else {
            Issue.record("\(times.count) relists after the restart")
            return
        }
        #expect(first - restarted >= .milliseconds(800), "no relist at once")
        #expect(last - first >= .milliseconds(500), "relists spread over \(last - first)")
    }
}
