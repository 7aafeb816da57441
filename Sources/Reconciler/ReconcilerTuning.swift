/// Timing of the reconcile loop.
public struct ReconcilerTuning: Sendable {
    /// How often the table is checked for changes made behind the agent's back (and repaired).
    public var resyncInterval: Duration = .seconds(300)
    /// Pause before retrying a failed apply; the kernel keeps the previous table meanwhile. It doubles
    /// with each failure in a row (KubeClient's `Backoff`: each wait is drawn between half and all of it), up to `maximumRetryDelay`.
    public var retryDelay: Duration = .seconds(1)
    /// The longest pause between retries of an apply that keeps failing.
    public var maximumRetryDelay: Duration = .seconds(30)

    public init() {}
}
