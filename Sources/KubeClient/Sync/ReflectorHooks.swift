/// What reflectors report besides objects, for metrics and health. Every hook defaults to nothing.
public struct ReflectorHooks: Sendable {
    /// A LIST completed, or a WATCH delivered events or ended cleanly.
    public var requestSucceeded: @Sendable (_ resource: String) -> Void = { _ in }
    public var requestFailed: @Sendable (_ resource: String, _ error: String) -> Void = { _, _ in }
    /// A watch ended other than at its timeout (dropped, cut, expired, refused) and is started again.
    public var watchRestarted: @Sendable (_ resource: String) -> Void = { _ in }

    public init() {}
}
