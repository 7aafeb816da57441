/// What reflectors report besides objects, for metrics and health. Every hook defaults to nothing.
public struct ReflectorHooks: Sendable {
    /// A LIST completed, or a WATCH delivered events or ended cleanly.
    public var requestSucceeded: @Sendable (_ resource: String) -> Void = { _ in }
    public var requestFailed: @Sendable (_ resource: String, _ error: String) -> Void = { _, _ in }
    /// A watch ended other than at its timeout (dropped, cut, expired, refused) and is started again.
    public var watchRestarted: @Sendable (_ resource: String) -> Void = { _ in }
    /// A request is about to be sent (each LIST page counts).
    public var requestSent: @Sendable (_ resource: String, _ request: ReflectorRequest) -> Void = { _, _ in }
    /// A sync of the whole state begins (WatchList or LIST), and why.
    public var relistStarted: @Sendable (_ resource: String, _ cause: RelistCause) -> Void = { _, _ in }
    /// The server's Retry-After is being waited out within a request ("pods list", 1 s).
    public var retryAfterWaited: @Sendable (_ request: String, _ wait: Duration) -> Void = { _, _ in }

    public init() {}
}

/// The kinds of request a reflector sends, by what the API server does with them
/// (apiserver storage/cacher/delegator.go ShouldDelegateList).
public enum ReflectorRequest: String, Sendable, CaseIterable {
    /// watch=true&sendInitialEvents=true: the state streamed from the watch cache.
    case watchList
    /// resourceVersion=0: whatever the watch cache holds; `limit` ignored.
    case listAnyVersion
    /// resourceVersion=N without limit: from the watch cache, not older than N.
    case listNotOlderThan
    /// No resourceVersion, or N with a limit: a consistent or exact read, paginated.
    case listConsistent
    /// A `continue` page of a paginated LIST.
    case listContinue
    case watch
}

/// Why a reflector syncs the whole state again.
public enum RelistCause: String, Sendable, CaseIterable {
    /// The reflector's first sync.
    case start
    /// The watch's resource version is gone (410 Expired).
    case expired
    /// The watch ended with another error the reflector cannot resume from.
    case watchError
    /// The previous sync failed or was cut off.
    case retry
}
