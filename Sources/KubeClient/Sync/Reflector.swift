import Logging

/// Keeps one resource in a sink in sync with the API server, as client-go's reflector does:
/// a paginated LIST, then a WATCH from the list's resource version.
///
/// - A watch that ends or breaks is resumed from the last resource version seen (a WATCH, not a
///   LIST) after a backoff; a clean end at the server's timeout is renewed at once.
/// - 410 Expired (in-stream ERROR event or HTTP status) means that version is gone: a fresh LIST
///   replaces the sink's contents, dropping what vanished meanwhile.
/// - A watch line over its size or time limit ends the watch and, after a backoff, the reflector
///   lists again; so does the third line that is not an event since the last LIST (resuming
///   would only fetch it again). A LIST page over its limit halves the page size, down to one.
/// - Nothing is fatal: the loop retries until stopped.
public final class Reflector<Resource: APIResource>: Sendable {
    private let connection: ClusterConnection
    private let sink: any ReflectorSink<Resource.Object>
    private let tuning: ReflectorTuning
    /// Lists and watches only the objects it selects, e.g. `metadata.name=node-1`.
    private let fieldSelector: String?
    private let hooks: ReflectorHooks
    private let logger: Logger

    public init(_ resource: Resource.Type, connection: ClusterConnection, sink: any ReflectorSink<Resource.Object>,
                fieldSelector: String? = nil, tuning: ReflectorTuning = ReflectorTuning(), hooks: ReflectorHooks = ReflectorHooks(),
                logger: Logger) {
        self.connection = connection
        self.fieldSelector = fieldSelector
        self.sink = sink
        self.hooks = hooks
        self.tuning = tuning
        var logger = logger
        logger[metadataKey: "resource"] = "\(Resource.name)"
        self.logger = logger
    }

    /// Runs on the calling thread until `stop` is stopped.
    public func run(stop: StopToken) {
        let client: APIClient
        do {
            client = try APIClient(connection: connection)
        } catch {
            logger.critical("cannot start a libcurl session: \(error)")
            return
        }
        var loop = Loop(client: client, backoff: tuning.backoff, pageSize: tuning.pageSize)
        while !stop.isStopped {
            let pause = loop.resourceVersion == nil ? relist(&loop, stop: stop) : watch(&loop, stop: stop)
            if let pause { stop.sleep(for: pause) }
        }
    }

    /// Per-run state, confined to the reflector's thread.
    private struct Loop {
        let client: APIClient
        var backoff: Backoff
        /// nil: the next request is a LIST.
        var resourceVersion: String?
        /// Objects asked for per LIST page; halved when a page goes over the page limit.
        var pageSize: Int
        /// Watch lines that were not events, since the last complete LIST.
        var undecodableLines = 0
    }

    /// Returns how long to wait before the next request, if at all.
    private func relist(_ loop: inout Loop, stop: StopToken) -> Duration? {
        sink.beginRelist()
        var token: String?
        var count = 0
        do throws(APIError) {
            repeat {
                let page = try loop.client.list(Resource.self, limit: loop.pageSize, continue: token, fieldSelector: fieldSelector,
                                                limits: tuning.limits,
                                                stop: stop)
                sink.relisted(page.items)
                count += page.items.count
                token = page.continueToken
                if token == nil { loop.resourceVersion = page.resourceVersion }
            } while token != nil
        } catch {
            return failed(error, during: "list", loop: &loop, stop: stop)
        }
        sink.endRelist()
        hooks.requestSucceeded(Resource.name)
        loop.backoff.reset()
        loop.undecodableLines = 0
        logger.info("listed \(count) \(Resource.name) at resourceVersion \(loop.resourceVersion ?? "")")
        return nil
    }

    private func watch(_ loop: inout Loop, stop: StopToken) -> Duration? {
        let started = ContinuousClock.now
        var endStatus: APIStatus?
        let timeout = Duration.seconds(Int.random(in: tuning.watchTimeout))
        let summary: WatchSummary
        var delivered = 0
        do throws(APIError) {
            summary = try loop.client.watch(Resource.self, from: loop.resourceVersion ?? "", timeout: timeout,
                                            stalled: tuning.stalled, fieldSelector: fieldSelector, limits: tuning.limits,
                                            stop: stop) { event in
                delivered += 1
                // Said at once, not when the watch ends (up to 10 minutes later): a health check must
                // not keep reporting an earlier failure for a watch that works again.
                if delivered == 1 { hooks.requestSucceeded(Resource.name) }
                switch event {
                case .added(let object), .modified(let object): sink.upsert(object)
                case .deleted(let object): sink.delete(object)
                case .bookmark: break
                case .error(let status): endStatus = status
                }
                if let version = event.resourceVersion, !version.isEmpty { loop.resourceVersion = version }
            }
        } catch {
            // A watch that made progress before it broke starts the backoff over: isolated drops
            // of long-lived watches must not add up to the cap.
            if delivered > 0 || ContinuousClock.now - started >= tuning.healthyWatch { loop.backoff.reset() }
            return failed(error, during: "watch", loop: &loop, stop: stop)
        }
        if let endStatus {
            // The version is gone (410) or the server gave up on the watch: only a LIST recovers.
            hooks.watchRestarted(Resource.name)
            logger.info("watch ended with \(endStatus); listing again")
            loop.resourceVersion = nil
            return endStatus.isExpired ? nil : loop.backoff.next()
        }
        if summary.truncated {
            hooks.watchRestarted(Resource.name)
            logger.warning("watch stream was cut mid-event; resuming from \(loop.resourceVersion ?? "")")
        }
        if summary.events == 0 && ContinuousClock.now - started < tuning.shortWatch {
            logger.warning("watch closed at once with no event; backing off")
            return loop.backoff.next()
        }
        loop.backoff.reset()
        return nil
    }

    /// Decides how to recover from a failed request; returns the pause before the next one.
    private func failed(_ error: APIError, during request: String, loop: inout Loop, stop: StopToken) -> Duration? {
        guard !stop.isStopped else { return nil }
        if request == "watch" { hooks.watchRestarted(Resource.name) }
        if error.isExpired {
            logger.info("\(request) answered 410 Expired; listing again")
            loop.resourceVersion = nil
            return nil
        }
        hooks.requestFailed(Resource.name, "\(error)")
        let pause = loop.backoff.next()
        switch error {
        case .status(let code, _) where (400..<500).contains(code) && code != 401 && code != 429:
            // The request itself is wrong for this server: resuming cannot help.
            loop.resourceVersion = nil
        case .overLimit where request == "list":
            loop.pageSize = max(1, loop.pageSize / 2)
        case .overLimit:
            // Resuming would fetch the same line again; a LIST pages it in bounded pieces.
            loop.resourceVersion = nil
        case .malformed where request == "watch":
            loop.undecodableLines += 1
            if loop.undecodableLines >= tuning.undecodableLinesBeforeRelist { loop.resourceVersion = nil }
        default:
            break
        }
        let next = loop.resourceVersion == nil ? "list" : "watch from \(loop.resourceVersion!)"
        logger.warning("\(request) failed: \(error); \(next) again in \(pause.loggable)")
        return pause
    }
}
