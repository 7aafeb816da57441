import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import Synchronization

/// `WatchBenchmark api-load`: what one agent's pod reflector asks of the API server, against the fake
/// with N pods: requests at start by kind and where the server served them, bytes, time to sync, and
/// requests per relist, for WatchList vs LIST resourceVersion=0 vs the old consistent paginated LIST;
/// then how 50 reflectors' relists spread after the API server's cache restarts (backoff vs at once).
/// No kernel, no root. Options: --pods N (default 20000), --runs R (default 3), --fleet F (default 50).
enum APILoad {
    enum Path: String, CaseIterable {
        case paginated = "consistent paginated LIST (old path, baseline)"
        case listFromCache = "LIST resourceVersion=0, then WATCH"
        case watchList = "WatchList"
    }

    struct Figures {
        var sync: Duration
        var requests: [String: Int]
        var servedFrom: [String: Int]
        var bytes: Int
        var relistRequests: [String: Int]
    }

    static func run(arguments: [String]) throws {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let pods = option("--pods", 20000), runs = option("--runs", 3), fleet = option("--fleet", 50)
        var cluster = SyntheticCluster()
        cluster.namespaces = max(1, pods / cluster.podsPerNamespace)
        print("WatchBenchmark api-load: one pod reflector against the fake API server with \(cluster.podCount) pods; \(runs) runs")
        let directory = NSTemporaryDirectory() + "apiload-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try FakeAPIServer(arguments: ["--listen", "127.0.0.1:0", "--kubeconfig-out", "\(directory)/kubeconfig",
                                                   "--bookmark-interval", "30", "--history", "100000"],
                                       log: "\(directory)/apiserver.log")
        defer { server.stop() }
        for index in 0..<cluster.namespaces { try server.apply(cluster.namespace(index)) }
        for index in 0..<cluster.podCount { try server.apply(cluster.pod(index)) }
        let connection = try KubeconfigLoader.load(paths: ["\(directory)/kubeconfig"])

        for path in Path.allCases {
            var figures: [Figures] = []
            for _ in 0..<runs { figures.append(try measure(path, server: server, connection: connection)) }
            report(path, figures)
        }
        let spreadRuns = (0..<runs).map { _ in
            (new: try? relistSpread(fleet: fleet, backoff: ReflectorTuning().backoff, server: server, connection: connection),
             old: try? relistSpread(fleet: fleet, backoff: Backoff(initial: .nanoseconds(1), cap: .nanoseconds(1)), server: server,
                                    connection: connection))
        }
        for (label, samples) in [("backoff (client-go's)", spreadRuns.compactMap(\.new)), ("at once (old path)", spreadRuns.compactMap(\.old))] {
            guard !samples.isEmpty else { continue }
            print(String(format: "relists of %d reflectors after restart-cache, %@: first %.2f s after the restart, spread over %.2f s (median of %d)",
                         fleet, label, median(samples.map(\.first)).seconds, median(samples.map(\.spread)).seconds, samples.count))
        }
    }

    /// One sync of the pod resource by `path`, then one relist after a 410.
    static func measure(_ path: Path, server: FakeAPIServer, connection: ClusterConnection) throws -> Figures {
        try server.send(["op": "reset-stats"])
        let started = ContinuousClock.now
        let sync: Duration
        var relistRequests: [String: Int] = [:]
        if path == .paginated {
            // What the reflector did before: LIST limit=500 and continue pages, a consistent read each.
            let client = try APIClient(connection: connection)
            var token: String?
            repeat {
                token = try client.list(PodsResource.self, limit: 500, continue: token).continueToken
            } while token != nil
            sync = ContinuousClock.now - started
            let stats = try server.send(["op": "stats"])
            relistRequests = stats["requests"] as? [String: Int] ?? [:]  // a relist repeated the same pages
        } else {
            var tuning = ReflectorTuning()
            tuning.useWatchList = path == .watchList
            let sink = CountingSink()
            let stop = StopToken()
            let reflector = Reflector(PodsResource.self, connection: connection, sink: sink, tuning: tuning, logger: Logger(label: "bench"))
            let thread = WorkerThread { reflector.run(stop: stop) }
            defer {
                stop.stop()
                thread.join()
            }
            while sink.relists.load(ordering: .acquiring) < 1 { Thread.sleep(forTimeInterval: 0.001) }
            sync = ContinuousClock.now - started
            try waitForOpenWatches(server, 1)
            let atStart = try server.send(["op": "stats"])
            try server.send(["op": "reset-stats"])
            try server.send(["op": "drop-watches"])
            try server.apply(["kind": "Namespace", "apiVersion": "v1", "metadata": ["name": "bump-\(UInt32.random(in: 0...UInt32.max))"]])
            try server.send(["op": "restart-cache"])
            while sink.relists.load(ordering: .acquiring) < 2 { Thread.sleep(forTimeInterval: 0.005) }
            relistRequests = (try server.send(["op": "stats"])["requests"] as? [String: Int] ?? [:]).filter { !$0.key.hasPrefix("watch:") }
            return Figures(sync: sync, requests: atStart["requests"] as? [String: Int] ?? [:],
                           servedFrom: atStart["servedFrom"] as? [String: Int] ?? [:],
                           bytes: (atStart["bytesSent"] as? [String: Int] ?? [:]).filter { $0.key.hasSuffix(":pods") }.values.reduce(0, +),
                           relistRequests: relistRequests)
        }
        let stats = try server.send(["op": "stats"])
        var requests = stats["requests"] as? [String: Int] ?? [:]
        requests["watch:pods", default: 0] += 1  // then a WATCH from the list's version (not sent here)
        return Figures(sync: sync, requests: requests, servedFrom: stats["servedFrom"] as? [String: Int] ?? [:],
                       bytes: (stats["bytesSent"] as? [String: Int] ?? [:]).values.reduce(0, +), relistRequests: relistRequests)
    }

    static func report(_ path: Path, _ figures: [Figures]) {
        let last = figures[figures.count / 2]
        let describe = { (counts: [String: Int]) in counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        print("\(path.rawValue):")
        print(String(format: "  time to sync %.2f s; bytes received %.1f MiB (medians of %d)", median(figures.map(\.sync)).seconds,
                     Double(median(figures.map(\.bytes))) / 1_048_576, figures.count))
        print("  requests at start: \(describe(last.requests)); served from: \(describe(last.servedFrom))")
        print("  requests per relist after 410: \(describe(last.relistRequests))")
    }

    /// Relist start times of `fleet` reflectors after the cache restarts under their watches:
    /// (first relist after the restart, max − min of the relist starts).
    static func relistSpread(fleet: Int, backoff: Backoff, server: FakeAPIServer, connection: ClusterConnection) throws
        -> (first: Duration, spread: Duration) {
        let starts = Mutex<[ContinuousClock.Instant]>([])
        var hooks = ReflectorHooks()
        hooks.relistStarted = { _, cause in if cause == .expired { starts.withLock { $0.append(.now) } } }
        var tuning = ReflectorTuning()
        tuning.backoff = backoff
        let sinks = (0..<fleet).map { _ in CountingSink() }
        let stop = StopToken()
        let threads = sinks.map { sink in
            let reflector = Reflector(NamespacesResource.self, connection: connection, sink: NamespaceSink(sink), tuning: tuning, hooks: hooks,
                                      logger: Logger(label: "bench"))
            return WorkerThread { reflector.run(stop: stop) }
        }
        defer {
            stop.stop()
            threads.forEach { $0.join() }
        }
        while sinks.contains(where: { $0.relists.load(ordering: .acquiring) < 1 }) { Thread.sleep(forTimeInterval: 0.01) }
        try waitForOpenWatches(server, fleet, resource: "namespaces")
        try server.send(["op": "drop-watches"])
        try server.apply(["kind": "Namespace", "apiVersion": "v1", "metadata": ["name": "bump-\(UInt32.random(in: 0...UInt32.max))"]])
        let restarted = ContinuousClock.now
        try server.send(["op": "restart-cache"])
        let deadline = ContinuousClock.now + .seconds(60)
        while sinks.contains(where: { $0.relists.load(ordering: .acquiring) < 2 }) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let times = starts.withLock { $0 }
        guard let first = times.min(), let last = times.max() else { throw FakeAPIServerError("no relist after restart-cache") }
        return (first - restarted, last - first)
    }

    static func waitForOpenWatches(_ server: FakeAPIServer, _ count: Int, resource: String = "pods") throws {
        while ((try server.send(["op": "stats"])["openWatches"] as? [String: Int])?[resource] ?? 0) < count {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    static func median<T: Comparable>(_ values: [T]) -> T { Percentiles.median(values) }
}

/// Counts objects and completed syncs; keeps nothing.
final class CountingSink: ReflectorSink, Sendable {
    let relists = Atomic<Int>(0)
    let objects = Atomic<Int>(0)

    func beginRelist() {}
    func relisted(_ page: [DecodedObject<PodObject>]) { objects.add(page.count, ordering: .relaxed) }
    func endRelist() { relists.add(1, ordering: .releasing) }
    func upsert(_ object: DecodedObject<PodObject>) {}
    func delete(_ object: DecodedObject<PodObject>) {}
}

/// The same counting for namespace reflectors (the fleet watches a small resource).
struct NamespaceSink: ReflectorSink {
    let counter: CountingSink
    init(_ counter: CountingSink) { self.counter = counter }

    func beginRelist() {}
    func relisted(_ page: [DecodedObject<NamespaceObject>]) {}
    func endRelist() { counter.endRelist() }
    func upsert(_ object: DecodedObject<NamespaceObject>) {}
    func delete(_ object: DecodedObject<NamespaceObject>) {}
}

extension Duration {
    var seconds: Double { milliseconds / 1000 }
}
