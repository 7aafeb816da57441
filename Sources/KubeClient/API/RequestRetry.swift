import Foundation

/// Retries within one request, as client-go's rest client does: a 429 or 5xx answer that carries
/// Retry-After is sent again after that long, at most `maxRetries` times (rest/request.go NewRequest
/// sets maxRetries 10; rest/with_retry.go IsNextRetry/checkWait retry only with Retry-After, and
/// Before sleeps that long). Without Retry-After the error goes up to the reflector's backoff.
public struct RequestRetry: Sendable {
    public var maxRetries = 10
    /// A hostile Retry-After cannot park a reflector longer than this.
    public var longestWait: Duration = .seconds(60)
    /// Told of each wait before it starts ("pods list", 1 s), for metrics and logs.
    public var waiting: @Sendable (_ request: String, _ wait: Duration) -> Void = { _, _ in }

    public init() {}

    /// The pause before retry number `retries + 1` after `error`, or nil: give up.
    func pause(after error: APIError, retries: Int) -> Duration? {
        guard retries < maxRetries, case .status(let code, _) = error, code == 429 || code >= 500,
              let wait = error.retryAfter else { return nil }
        return min(wait, longestWait)
    }
}

extension APIClient {
    /// Runs `attempt` until it succeeds, fails in a way `retry` does not retry, or `stop` stops.
    func retrying<T>(_ request: String, stop: StopToken?, _ attempt: () throws(APIError) -> T) throws(APIError) -> T {
        var retries = 0
        while true {
            do throws(APIError) {
                return try attempt()
            } catch {
                guard let wait = retry.pause(after: error, retries: retries) else { throw error }
                retry.waiting(request, wait)
                guard (stop ?? StopToken()).sleep(for: wait) else { throw .transport(.stopped) }
                retries += 1
            }
        }
    }
}
