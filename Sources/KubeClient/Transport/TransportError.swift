import CCurl

/// A request that got no HTTP response: nothing reached the server, or the connection broke.
public enum TransportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// libcurl's result code (CURLE_*) and its message.
    case curl(code: Int, message: String)
    /// The transfer was stopped through its `StopToken`.
    case stopped
    case setup(String)

    /// The server's certificate did not verify (wrong CA, wrong name).
    public var isCertificateFailure: Bool {
        if case .curl(let code, _) = self { return code == Int(CURLE_PEER_FAILED_VERIFICATION.rawValue) }
        return false
    }

    public var description: String {
        switch self {
        case .curl(let code, let message): return "\(message) (curl error \(code))"
        case .stopped: return "stopped"
        case .setup(let message): return "cannot set up the transfer: \(message)"
        }
    }
}
