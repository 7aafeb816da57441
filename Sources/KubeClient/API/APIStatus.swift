/// metav1.Status: the body of every error response and of a watch's ERROR event.
public struct APIStatus: Decodable, Sendable, Equatable, CustomStringConvertible {
    public var code: Int?
    public var reason: String?
    public var message: String?
    public var details: Details?
    /// The response's Retry-After header, which comes before `details.retryAfterSeconds`.
    public var retryAfterHeader: Duration?

    public struct Details: Decodable, Sendable, Equatable {
        public var retryAfterSeconds: Int?
        public var causes: [Cause]?
    }

    /// metav1.StatusCause: its type is sent as "reason".
    public struct Cause: Decodable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
    }

    private enum CodingKeys: String, CodingKey { case code, reason, message, details }

    public init(code: Int? = nil, reason: String? = nil, message: String? = nil, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The resource version asked for is gone (compacted): only a fresh LIST helps.
    /// client-go tools/cache/reflector.go isExpiredError: reason Expired, or Gone before 1.18.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    /// The watch cache has not reached the resource version asked for (apiserver storage/errors.go
    /// NewTooLargeResourceVersionError). client-go isTooLargeResourceVersionError: the cause type, or,
    /// from 1.17.0–1.18.5 servers, a 504 whose message says so.
    public var isTooLargeResourceVersion: Bool {
        if details?.causes?.contains(where: { $0.reason == "ResourceVersionTooLarge" }) == true { return true }
        let marker = "Too large resource version"
        return code == 504 && (message?.contains(marker) == true || details?.causes?.contains { $0.message?.contains(marker) == true } == true)
    }

    /// How long the server asks the client to wait before trying again.
    public var retryAfter: Duration? {
        retryAfterHeader ?? details?.retryAfterSeconds.map { .seconds(max(0, $0)) }
    }

    public var description: String {
        "\(code.map(String.init) ?? "?") \(reason ?? "")\(message.map { ": \($0)" } ?? "")"
    }
}
