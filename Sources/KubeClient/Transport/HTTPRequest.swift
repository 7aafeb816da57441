import Foundation

/// One GET against the API server, with everything libcurl needs to make it.
struct HTTPRequest {
    var url: String
    var headers: [String]
    var tls: TLSMaterial
    var timeouts: TransferTimeouts
    /// Offer gzip (Accept-Encoding). Not on watches: a WatchList answer to gzip is one gzip member per
    /// flush (apiserver endpoints/handlers/watch.go, perFlushGzipWriter), which libcurl stops reading
    /// after the first member.
    var compressed = true
}

/// Trust roots and client identity as PEM bytes, read fresh for each request so rotated files apply.
struct TLSMaterial: Sendable, Equatable {
    /// The only trusted roots; nil trusts nothing (the system's store is never consulted).
    var certificateAuthority: Data?
    var clientCertificate: Data?
    var clientKey: Data?
    /// Only a kubeconfig's insecure-skip-tls-verify turns verification off.
    var verifyServer: Bool

    init(certificateAuthority: Data? = nil, clientCertificate: Data? = nil, clientKey: Data? = nil, verifyServer: Bool = true) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.verifyServer = verifyServer
    }
}

/// Limits of one transfer. A watch is silent for long stretches, so it gets a long overall limit and
/// a low-speed check (which libcurl applies about 6 s late) instead of a short read timeout.
struct TransferTimeouts: Sendable, Equatable {
    var connect: Duration
    /// nil: no overall limit.
    var total: Duration?
    /// Abort when less than 1 byte/s arrives for this long; nil: never.
    var stalled: Duration?

    init(connect: Duration = .seconds(5), total: Duration? = nil, stalled: Duration? = nil) {
        self.connect = connect
        self.total = total
        self.stalled = stalled
    }
}
