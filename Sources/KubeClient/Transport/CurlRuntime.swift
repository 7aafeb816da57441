import CCurl
import Glibc

/// libcurl's process-wide setup. `curl_global_init` must run once before any thread uses libcurl;
/// a static's lazy initializer runs exactly once, thread-safely.
enum CurlRuntime {
    private static let initialized: Bool = {
        // A peer closing a TLS connection must not kill the process (NOSIGNAL covers libcurl's own signals only).
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    static func ensureInitialized() throws(TransportError) {
        guard initialized else { throw TransportError.setup("curl_global_init failed") }
    }
}
