/// Why a request to the API server failed.
public enum APIError: Error, Sendable, CustomStringConvertible {
    /// No HTTP response: refused, reset, TLS failure, timeout.
    case transport(TransportError)
    /// An HTTP error status, with the Status body when the server sent one.
    case status(Int, APIStatus?)
    /// The response was not what the protocol promises (a garbled watch line, an unreadable list).
    case malformed(String)
    /// The credentials could not be read.
    case configuration(ConfigError)

    public var description: String {
        switch self {
        case .transport(let error): return error.description
        case .status(let code, let status): return "HTTP \(code)\(status.map { ": \($0)" } ?? "")"
        case .malformed(let detail): return "malformed response: \(detail)"
        case .configuration(let error): return error.description
        }
    }

    /// The resource version or continue token is too old: start over with a fresh LIST.
    public var isExpired: Bool {
        if case .status(let code, let status) = self { return code == 410 || status?.isExpired == true }
        return false
    }
}
