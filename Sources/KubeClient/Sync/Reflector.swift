import Logging

/// Keeps one resource in a sink in sync with the API server, as client-go's reflector does
/// (staging/src/k8s.io/client-go/tools/cache/reflector.go):
///
/// - A sync streams the whole state as a WatchList (`watchList()`): complete at the bookmark annotated
///   `k8s.io/initial-events-end`, after which the same stream goes on as the watch. A server that
///   refuses it (422 from an old or gate-off server, an ERROR event) gets a LIST for this round
///   (`ListAndWatchWithContext` falls back; the next sync tries WatchList again).
/// - A LIST asks for resourceVersion "0" the first time, then for the last synced version without
///   limit: both served from the watch cache (`relistResourceVersion`, `list()`). When that version is
///   gone (410) or ahead of the cache (TooLarge), a consistent paginated LIST follows at once; so it
///   does from then on when the server paginated the "0" answer (it has no watch cache).
/// - A watch that ends or breaks is resumed from the last resource version seen (a WATCH, not a
///   sync) after a backoff; a clean end at the server's timeout is renewed at once.
/// - 410 Expired on a watch, or an error the watch cannot resume from: a sync after one backoff
///   step (`RunWithContext`), never at once, so a fleet does not relist in lockstep.
/// - 429 and 5xx with Retry-After are waited out within the request (`RequestRetry`).
/// - A watch line over its size or time limit ends the watch and, after a backoff, the reflector
///   syncs again; so does the third line that is not an event since the last sync (resuming would
///   only fetch it again). A LIST page over its limit makes the reflector paginate, and halves the
///   page size, down to one.
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
    ///
    /// Specialized for the kinds a sync streams by the thousand: the agent's module cannot specialize
    /// this module's generics, and unspecialized, every event looks its generic types' metadata up and
    /// copies its object through value witnesses. The generic entry checks the type and calls these.
    @_specialize(where Resource == PodsResource)
    @_specialize(where Resource == NetworkPoliciesResource)
    public func run(stop: StopToken) {
        let client: APIClient
        do {
            client = try APIClient(connection: connection)
        } catch {
            logger.critical("cannot start a libcurl session: \(error)")
            return
        }
        client.retry = tuning.retry
        client.retry.waiting = { [hooks, logger] request, wait in
            logger.info("\(request): the server asks to retry after \(wait.loggable)")
            hooks.retryAfterWaited(request, wait)
        }
        var loop = Loop(client: client, backoff: tuning.backoff, pageSize: tuning.pageSize)
        while !stop.isStopped {
            let pause = loop.syncDue ? sync(&loop, stop: stop) : watch(&loop, stop: stop)
            if let pause { stop.sleep(for: pause) }
        }
    }

    /// Per-run state, confined to the reflector's thread.
    private struct Loop {
        let client: APIClient
        var backoff: Backoff
        /// The version of the last sync or event (client-go's lastSyncResourceVersion); nil before
        /// the first sync.
        var resourceVersion: String?
        /// The next request syncs the whole state; otherwise it watches from `resourceVersion`.
        var syncDue = true
        var cause = RelistCause.start
        /// `resourceVersion` is gone or ahead of the watch cache: the next sync is consistent.
        var versionUnavailable = false
        /// The server paginated a resourceVersion "0" answer (no watch cache): LISTs stay paginated.
        var paginated = false
        /// Objects asked for per LIST page; halved when a page goes over the page limit.
        var pageSize: Int
        /// Watch lines that were not events, since the last complete sync.
        var undecodableLines = 0

        mutating func synced(at version: String) {
            resourceVersion = version
            syncDue = false
            versionUnavailable = false
            undecodableLines = 0
        }

        mutating func syncAgain(_ why: RelistCause) {
            syncDue = true
            cause = why
        }
    }

    /// Returns how long to wait before the next request, if at all.
    private func sync(_ loop: inout Loop, stop: StopToken) -> Duration? {
        hooks.relistStarted(Resource.name, loop.cause)
        loop.cause = .retry
        return tuning.useWatchList ? watch(&loop, initialEvents: true, stop: stop) : list(&loop, stop: stop)
    }

    // MARK: LIST

    private func list(_ loop: inout Loop, stop: StopToken) -> Duration? {
        var version = loop.versionUnavailable ? nil : (loop.resourceVersion ?? "0")
        while true {
            do throws(APIError) {
                try listPages(&loop, from: version, stop: stop)
                return nil
            } catch {
                guard version != nil, error.isExpired || error.isTooLargeResourceVersion else {
                    return listFailed(error, &loop, at: version, stop: stop)
                }
                logger.info("list at resourceVersion \(version ?? "") failed: \(error); listing consistently")
            }
            // client-go list(): setIsLastSyncResourceVersionUnavailable(true), then at once a LIST
            // with resourceVersion unset.
            loop.versionUnavailable = true
            version = nil
        }
    }

    /// Lists every page from `version` into the sink. Only the first sync asks for "0", which a
    /// stale cache may answer; later ones ask for a state not older than the last (`list()`).
    private func listPages(_ loop: inout Loop, from version: String?, stop: StopToken) throws(APIError) {
        // client-go list(): pages of 500 for "" and "0" (caches ignore the limit for "0"), none for a
        // version, to be served from the watch cache, unless the server paginated before.
        let limit = version == nil || version == "0" || loop.paginated ? loop.pageSize : nil
        var token: String?
        var count = 0
        repeat {
            hooks.requestSent(Resource.name, token != nil ? .listContinue : Self.kind(of: version, limit: limit))
            let page = try loop.client.list(Resource.self, resourceVersion: version, limit: limit, continue: token,
                                            fieldSelector: fieldSelector, limits: tuning.limits, stop: stop)
            if token == nil {
                if version == "0" && page.continueToken != nil { loop.paginated = true }
                sink.beginRelist()
            }
            sink.relisted(page.items)
            count += page.items.count
            token = page.continueToken
            if token == nil { loop.synced(at: page.resourceVersion) }
        } while token != nil
        sink.endRelist()
        hooks.requestSucceeded(Resource.name)
        logger.info("listed \(count) \(Resource.name) at resourceVersion \(loop.resourceVersion ?? "")")
    }

    private static func kind(of version: String?, limit: Int?) -> ReflectorRequest {
        switch version {
        case nil: return .listConsistent
        case "0": return .listAnyVersion
        default: return limit == nil ? .listNotOlderThan : .listConsistent
        }
    }

    private func listFailed(_ error: APIError, _ loop: inout Loop, at version: String?, stop: StopToken) -> Duration? {
        if case .overLimit = error {
            // An unpaginated answer (a watch cache ignores the limit) over the limit: page from now on,
            // consistently, since only etcd honours the limit; a paginated one: smaller pages.
            if version == "0" || !loop.paginated && version != nil {
                loop.paginated = true
                loop.versionUnavailable = true
            } else {
                loop.pageSize = max(1, loop.pageSize / 2)
            }
        }
        return failed(error, during: "list", loop: &loop, stop: stop)
    }

    // MARK: WATCH

    /// A WATCH from `loop.resourceVersion`; with `initialEvents`, a WatchList that first syncs.
    private func watch(_ loop: inout Loop, initialEvents: Bool = false, stop: StopToken) -> Duration? {
        let started = ContinuousClock.now
        var endStatus: APIStatus?
        let timeout = Duration.seconds(Int.random(in: tuning.watchTimeout))
        let summary: WatchSummary
        var delivered = 0
        var initial = initialEvents ? InitialEvents<Resource.Object>(batchSize: loop.pageSize) : nil
        if initialEvents { sink.beginRelist() }
        hooks.requestSent(Resource.name, initialEvents ? .watchList : .watch)
        do throws(APIError) {
            // client-go rewatchResourceVersion: unset (consistent) when the last version is unavailable.
            let from = initialEvents && loop.versionUnavailable ? nil : loop.resourceVersion
            summary = try loop.client.watch(Resource.self, from: from, sendInitialEvents: initialEvents, timeout: timeout,
                                            stalled: tuning.stalled, fieldSelector: fieldSelector, limits: tuning.limits,
                                            stop: stop) { event in
                delivered += 1
                // Said at once, not when the watch ends (up to 10 minutes later): a health check must
                // not keep reporting an earlier failure for a watch that works again.
                if delivered == 1 { hooks.requestSucceeded(Resource.name) }
                if initial != nil {
                    guard let version = initial!.take(event, into: sink, endStatus: &endStatus) else { return }
                    initial = nil
                    sink.endRelist()
                    loop.synced(at: version)
                    logger.info("streamed \(delivered - 1) \(Resource.name) at resourceVersion \(version) (WatchList)")
                    return
                }
                switch event {
                case .added(let object), .modified(let object): sink.upsert(object)
                case .deleted(let object): sink.delete(object)
                case .bookmark: break
                case .error(let status): endStatus = status
                }
                if let version = event.resourceVersion, !version.isEmpty { loop.resourceVersion = version }
            }
        } catch {
            if initial != nil { return watchListFailed(error, status: nil, &loop, stop: stop) }
            // A watch that made progress before it broke starts the backoff over: isolated drops
            // of long-lived watches must not add up to the cap.
            if delivered > 0 || ContinuousClock.now - started >= tuning.healthyWatch { loop.backoff.reset() }
            return failed(error, during: "watch", loop: &loop, stop: stop)
        }
        if initial != nil { return watchListFailed(nil, status: endStatus, &loop, stop: stop) }
        if let endStatus {
            // The version is gone (410) or the server gave up on the watch: only a sync recovers,
            // after a backoff step, as client-go's RunWithContext waits before every round.
            hooks.watchRestarted(Resource.name)
            loop.syncAgain(endStatus.isExpired ? .expired : .watchError)
            let pause = loop.backoff.next()
            logger.info("watch ended with \(endStatus); syncing again in \(pause.loggable)")
            return pause
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

    /// A WatchList that ended before its initial-events bookmark: nothing it streamed is dropped
    /// (no `endRelist`). As client-go's watchList(): Expired/TooLarge retry at once without a
    /// version; 429 and broken connections back off and try again; any other refusal (422 from an
    /// old or gate-off server, an ERROR 500 where etcd lacks RequestWatchProgress) lists this round.
    private func watchListFailed(_ error: APIError?, status: APIStatus?, _ loop: inout Loop, stop: StopToken) -> Duration? {
        guard !stop.isStopped else { return nil }
        let refusal = error ?? status.map { .status($0.code ?? 500, $0) }
        guard let refusal else {
            let pause = loop.backoff.next()
            logger.warning("WatchList ended before its initial state was complete; again in \(pause.loggable)")
            return pause
        }
        if refusal.isExpired || refusal.isTooLargeResourceVersion {
            logger.info("WatchList from \(loop.resourceVersion ?? "") failed: \(refusal); streaming consistently")
            loop.versionUnavailable = true
            return nil
        }
        switch refusal {
        case .transport, .configuration: return failed(refusal, during: "WatchList", loop: &loop, stop: stop)
        case .status(let code, _) where code == 429 || code == 401: return failed(refusal, during: "WatchList", loop: &loop, stop: stop)
        default:
            logger.info("WatchList refused: \(refusal); listing instead")
            return list(&loop, stop: stop)
        }
    }

    /// Decides how to recover from a failed request; returns the pause before the next one.
    private func failed(_ error: APIError, during request: String, loop: inout Loop, stop: StopToken) -> Duration? {
        guard !stop.isStopped else { return nil }
        if request == "watch" { hooks.watchRestarted(Resource.name) }
        let pause = loop.backoff.next()
        if error.isExpired {
            logger.info("\(request) answered 410 Expired; syncing again in \(pause.loggable)")
            loop.syncAgain(.expired)
            return pause
        }
        hooks.requestFailed(Resource.name, "\(error)")
        switch error {
        case .status(let code, _) where (400..<500).contains(code) && code != 401 && code != 429 && request == "watch":
            // The request itself is wrong for this server: resuming cannot help.
            loop.syncAgain(.watchError)
        case .overLimit where request == "watch":
            // Resuming would fetch the same line again; a sync pages it in bounded pieces.
            loop.syncAgain(.watchError)
        case .malformed where request == "watch":
            loop.undecodableLines += 1
            if loop.undecodableLines >= tuning.undecodableLinesBeforeRelist { loop.syncAgain(.watchError) }
        default:
            break
        }
        let next = loop.syncDue ? "sync" : "watch from \(loop.resourceVersion ?? "")"
        logger.warning("\(request) failed: \(error); \(next) again in \(pause.loggable)")
        return pause
    }
}
