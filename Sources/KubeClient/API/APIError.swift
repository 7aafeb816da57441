/// Why a request to the API server failed.
public enum APIError: Error, Sendable, CustomStringConvertible {
    /// No HTTP response: refused, reset, TLS failure, timeout.
    case transport(TransportError)
    /// An HTTP error status, with the Status body when the server sent one.
    case status(Int, APIStatus?)
    /// The response was not what the protocol promises (a garbled watch line, an unreadable list).
    case malformed(String)
    /// The response broke a bound of `ResponseLimits`: a line or page too large, a line too slow.
    case overLimit(String)
    /// The credentials could not be read.
    case configuration(ConfigError)

    public var description: String {
        switch self {
        case .transport(let error): return error.description
        case .status(let code, let status): return "HTTP \(code)\(status.map { ": \($0)" } ?? "")"
        case .malformed(let detail): return "malformed response: \(detail)"
        case .overLimit(let detail): return "response over its limit: \(detail)"
        case .configuration(let error): return error.description
        }
    }

    /// The resource version or continue token is too old: start over with a fresh LIST.
    public var isExpired: Bool {
        if case .status(let code, let status) = self { return code == 410 || status?.isExpired == true }
        return false
    }

    /// The watch cache is behind the resource version asked for; a consistent LIST does not wait for it.
    public var isTooLargeResourceVersion: Bool {
        if case .status(_, let status) = self { return status?.isTooLargeResourceVersion == true }
        return false
    }

    public var isTooManyRequests: Bool {
        if case .status(let code, let status) = self { return code == 429 || status?.reason == "TooManyRequests" }
        return false
    }

    /// The server's Retry-After for a 429 or 5xx, header first.
    public var retryAfter: Duration? {
        if case .status(_, let status) = self { return status?.retryAfter }
        return nil
    }

    /// The same error naming the request it broke ("pods watch: …"), where the detail lacks it.
    func naming(_ request: String) -> APIError {
        switch self {
        case .malformed(let detail): return .malformed("\(request): \(detail)")
        case .overLimit(let detail): return .overLimit("\(request): \(detail)")
        default: return self
        }
    }
}
