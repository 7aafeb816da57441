import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Testing

/// A server that streams what no API server would: an endless line, a line trickled one byte a
/// second, lines that are not events, an oversized LIST page. Memory stays bounded, nothing pins a
/// watch forever, and the reflector recovers with a fresh LIST.
struct HostileServerTests {
    typealias Fake = FakeServerClientTests

    /// Starts a pod reflector and waits until its first watch is open.
    static func reflecting(_ server: FakeAPIServer, _ connection: ClusterConnection, sink: RecordingSink<PodObject>,
                           failures: FailureLog, tuning: ReflectorTuning) -> () -> Void {
        let stop = Fake.reflect(connection, into: sink, tuning: tuning, hooks: failures.hooks)
        #expect(sink.wait { $0.relists == 1 })
        #expect(sink.wait { _ in Self.openPodWatches(server) == 1 })
        return stop
    }

    static func openPodWatches(_ server: FakeAPIServer) -> Int? {
        (try? server.send(["op": "stats"])["openWatches"] as? [String: Int])??["pods"]
    }

    /// Turns on the watch-body `mode` under a running pod reflector; expects a failure naming pods
    /// and mentioning `expected`, then a fresh LIST.
    static func expectCutThenRelist(mode: String, tuning: ReflectorTuning, expected: String) throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        let stop = Self.reflecting(server, connection, sink: sink, failures: failures, tuning: tuning)
        defer { stop() }

        try server.send(["op": "watch-body", "mode": mode, "resource": "pods"])
        #expect(failures.wait { $0.contains { $0.hasPrefix("pods: ") && $0.contains(expected) } }, "\(failures.all)")
        #expect(sink.wait { $0.relists >= 2 }, "the reflector lists again after a cut line")
    }

    /// Failure mode closed: a line without a newline grew the buffer until memory ran out.
    @Test func endlessWatchLineIsCutAtTheLimitThenRelisted() throws {
        var tuning = ReflectorTuning()
        tuning.limits.line = 1 << 20
        try Self.expectCutThenRelist(mode: "endless-line", tuning: tuning, expected: "exceeds the limit of 1048576 bytes")
    }

    /// Failure mode closed: libcurl's low-speed check passes at 1 byte/s, so one slow line held the
    /// watch (and the reflector) forever.
    @Test func trickledWatchLineIsCutAfterTheLineTimeThenRelisted() throws {
        var tuning = ReflectorTuning()
        tuning.limits.lineTime = .seconds(2)
        try Self.expectCutThenRelist(mode: "trickle-line", tuning: tuning, expected: "longer than 2.0 s")
    }

    /// Failure mode closed: a line that is not a watch event made the reflector resume at the same
    /// resource version, get the same line, and do so forever. Now each is reported once (resource
    /// and excerpt), and the third makes it list again.
    @Test func undecodableWatchLinesLeadToARelistAfterThree() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        var tuning = ReflectorTuning()
        tuning.backoff = Backoff(initial: .milliseconds(50), cap: .milliseconds(200))
        let stop = Self.reflecting(server, connection, sink: sink, failures: failures, tuning: tuning)
        defer { stop() }

        try server.send(["op": "reset-stats"])
        try server.send(["op": "watch-body", "mode": "garbage-line", "resource": "pods"])
        #expect(sink.wait { $0.relists == 2 }, "\(failures.all)")
        let log = try server.send(["op": "requests"])["requests"] as? [[String: Any]] ?? []
        let requests = log.compactMap { $0["what"] as? String }.filter { $0.hasSuffix(":pods") }
        // The open watch got the first line; two more watches got one each; then a sync.
        #expect(requests.prefix(3) == ["watch:pods", "watch:pods", "watchlist:pods"], "\(requests)")
        let garbage = failures.all.filter { $0.contains("502 Bad Gateway") }
        #expect(garbage.count >= 3 && garbage.allSatisfy { $0.hasPrefix("pods: ") }, "\(failures.all)")
    }

    /// Failure mode closed: a LIST page was buffered whole, however large.
    @Test func listPageOverTheLimitFailsNamingTheResource() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try Fake.start(directory)
        defer { server.stop() }
        for index in 0..<40 { try server.apply(Fake.pod("p\(index)")) }
        let client = try APIClient(connection: connection)
        let error = #expect(throws: APIError.self) {
            try client.list(PodsResource.self, limit: 500, continue: nil, limits: ResponseLimits(page: 4096))
        }
        #expect(error?.description.contains("pods list") == true && error?.description.contains("4096 bytes") == true,
                "\(String(describing: error))")

        // A reflector with that limit still lists every pod: it asks for fewer per page.
        let sink = RecordingSink<PodObject>(), failures = FailureLog()
        var tuning = ReflectorTuning()
        tuning.limits.page = 4096
        tuning.useWatchList = false
        tuning.backoff = Backoff(initial: .milliseconds(50), cap: .milliseconds(200))
        let stop = Fake.reflect(connection, into: sink, tuning: tuning, hooks: failures.hooks)
        defer { stop() }
        #expect(sink.wait { $0.relists == 1 && $0.names.count == 40 }, "\(failures.all)")
    }
}
