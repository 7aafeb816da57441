/// Knobs of the list/watch loop; the defaults follow client-go's reflector.
public struct ReflectorTuning: Sendable {
    /// client-go's pager asks for 500 items per page (tools/pager/pager.go defaultPageSize); only
    /// consistent LISTs are paginated.
    public var pageSize = 500
    /// Sync with a WatchList (streamed initial state) first, falling back to LIST for a round when the
    /// server refuses it, as client-go does with its WatchListClient gate (on from 1.35).
    public var useWatchList = true
    /// The server closes each watch after a random time in this range; the reflector then renews it.
    public var watchTimeout: ClosedRange<Int> = 300...600
    /// A watch with no byte (not even a bookmark, sent about once a minute) for this long is dead.
    public var stalled: Duration = .seconds(90)
    public var backoff = Backoff.reflector
    /// 429/5xx answers with Retry-After, retried within the request.
    public var retry = RequestRetry()
    /// A watch that ends sooner than this with no event counts as a failure (and backs off).
    public var shortWatch: Duration = .seconds(1)
    /// A watch that breaks after running this long (or after delivering events) resets the backoff.
    public var healthyWatch: Duration = .seconds(30)
    /// How much one watch line or LIST page may hold, and how long one line may take.
    public var limits = ResponseLimits()
    /// Watch lines that are not events, since the last LIST, before the reflector lists again
    /// instead of resuming at the same resource version.
    public var undecodableLinesBeforeRelist = 3

    public init() {}
}
