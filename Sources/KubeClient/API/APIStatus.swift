/// metav1.Status: the body of every error response and of a watch's ERROR event.
public struct APIStatus: Decodable, Sendable, Equatable, CustomStringConvertible {
    public var code: Int?
    public var reason: String?
    public var message: String?

    /// The resource version asked for is gone (compacted): only a fresh LIST helps.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    public var description: String {
        "\(code.map(String.init) ?? "?") \(reason ?? "")\(message.map { ": \($0)" } ?? "")"
    }
}
