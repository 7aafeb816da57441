import Foundation
import Synchronization

/// The bearer token for each request. A token file (in-cluster, or a kubeconfig's tokenFile) is
/// rotated by the kubelet, so it is re-read once its copy is a minute old and after every 401, as
/// client-go does. The last good read wins over a static `token` given beside the file.
public final class TokenSource: Sendable {
    public enum Origin: Sendable, Equatable {
        case fixed(String)
        case file(path: String, fallback: String?)
    }

    public let origin: Origin
    private let maximumAge: Duration
    private let cached = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)

    public init(_ origin: Origin, maximumAge: Duration = .seconds(60)) {
        self.origin = origin
        self.maximumAge = maximumAge
    }

    public func token() throws(ConfigError) -> String {
        switch origin {
        case .fixed(let token):
            return token
        case .file(let path, let fallback):
            let now = ContinuousClock.now
            if let fresh = cached.withLock({ $0 }), now - fresh.readAt < maximumAge { return fresh.token }
            if let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) {
                let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !token.isEmpty {
                    cached.withLock { $0 = (token, now) }
                    return token
                }
            }
            // An unreadable file mid-rotation: keep the last good token rather than fail.
            if let last = cached.withLock({ $0 })?.token ?? fallback { return last }
            throw ConfigError("cannot read a token from \(path)")
        }
    }

    /// The server said 401: read the file again before the next request.
    public func invalidate() {
        cached.withLock { entry in
            if let current = entry { entry = (current.token, current.readAt - maximumAge) }
        }
    }
}
