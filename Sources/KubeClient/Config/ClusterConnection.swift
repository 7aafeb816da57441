/// Where the API server is and how to talk to it, from a kubeconfig or the pod's service account.
public struct ClusterConnection: Sendable {
    /// Base URL without a trailing slash; may carry a path prefix (API paths are appended).
    public var server: String
    public var tls: TLSSettings
    /// nil: no Authorization header (client certificates, or an open test server).
    public var token: TokenSource?
    /// Where this came from, for logs: "kubeconfig FILE (context C)" or "in-cluster service account".
    public var origin: String

    public init(server: String, tls: TLSSettings = TLSSettings(), token: TokenSource? = nil, origin: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.token = token
        self.origin = origin
    }
}
