import CCurl
import CCurlShim
import Foundation

/// Makes GET requests over one libcurl handle, handing the body over as it arrives. Not Sendable:
/// each thread keeps its own session (and with it a kept-alive connection).
final class HTTPSession {
    private let handle: CurlEasyHandle

    init() throws(TransportError) {
        handle = try CurlEasyHandle()
    }

    /// The response's HTTP status; valid from the first `receive` call of a transfer on.
    var responseCode: Int { handle.responseCode }

    /// The last response's Retry-After, if it had one.
    var retryAfter: Duration? { handle.retryAfter }

    /// Performs `request`, calling `receive` with each slice of the body as libcurl delivers it
    /// (de-chunked, at most 16 KiB, not aligned to anything). `receive` returns false to abort.
    /// Returns the HTTP status; throws when there is none, or the transfer broke off.
    func get(_ request: HTTPRequest, stop: StopToken?, receive: (UnsafeRawBufferPointer) -> Bool) throws(TransportError) -> Int {
        try configure(request)
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headerList = curl_slist_append(headerList, header) }
        defer { curl_slist_free_all(headerList) }
        try handle.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))

        let result: Result<Int, TransportError> = withoutActuallyEscaping(receive) { receive in
            let context = TransferContext(stop: stop, receive: receive)
            let opaque = Unmanaged.passUnretained(context).toOpaque()
            do throws(TransportError) {
                try handle.setWriteCallback(transferWrite, context: opaque)
                try handle.setProgressCallback(transferProgress, context: opaque)
            } catch {
                return .failure(error)
            }
            let code = withExtendedLifetime(context) { handle.perform() }
            if stop?.isStopped == true { return .failure(.stopped) }
            guard code == CURLE_OK else { return .failure(handle.failure(code)) }
            return .success(handle.responseCode)
        }
        return try result.get()
    }

    private func configure(_ request: HTTPRequest) throws(TransportError) {
        try handle.reset()
        try handle.set(CURLOPT_URL, request.url)
        try handle.set(CURLOPT_NOSIGNAL, 1)
        // One connection per watch: a stalled HTTP/2 connection would stall every multiplexed watch.
        try handle.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        if request.compressed { try handle.set(CURLOPT_ACCEPT_ENCODING, "") }
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.milliseconds)
        if let total = request.timeouts.total { try handle.set(CURLOPT_TIMEOUT_MS, total.milliseconds) }
        if let stalled = request.timeouts.stalled {
            try handle.set(CURLOPT_LOW_SPEED_LIMIT, 1)
            try handle.set(CURLOPT_LOW_SPEED_TIME, max(1, stalled.milliseconds / 1000))
        }
        // Half-open connections: the kernel probes an idle connection after 30 s.
        try handle.set(CURLOPT_TCP_KEEPALIVE, 1)
        try handle.set(CURLOPT_TCP_KEEPIDLE, 30)
        try handle.set(CURLOPT_TCP_KEEPINTVL, 10)
        try configureTLS(request.tls)
    }

    private func configureTLS(_ tls: TLSMaterial) throws(TransportError) {
        if tls.verifyServer {
            // Trust exactly the configured CA. libcurl also loads its compiled-in CA file and CA
            // directory (Debian: /etc/ssl/certs), and a CA blob only replaces the file
            // (curl lib/vtls/openssl.c populate_x509_store; docs/libcurl/opts/CURLOPT_CAINFO_BLOB.md):
            // without clearing both, any CA of the system store could vouch for the API server.
            try handle.set(CURLOPT_CAINFO, pointer: nil)
            try handle.set(CURLOPT_CAPATH, pointer: nil)
            if let authority = tls.certificateAuthority { try handle.set(CURLOPT_CAINFO_BLOB, blob: authority) }
        } else {
            try handle.set(CURLOPT_SSL_VERIFYPEER, 0)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let certificate = tls.clientCertificate {
            try handle.set(CURLOPT_SSLCERTTYPE, "PEM")
            try handle.set(CURLOPT_SSLCERT_BLOB, blob: certificate)
        }
        if let key = tls.clientKey {
            try handle.set(CURLOPT_SSLKEYTYPE, "PEM")
            try handle.set(CURLOPT_SSLKEY_BLOB, blob: key)
        }
    }
}

/// What libcurl's C callbacks reach through their context pointer during one transfer.
private final class TransferContext {
    let stop: StopToken?
    let receive: (UnsafeRawBufferPointer) -> Bool

    init(stop: StopToken?, receive: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.stop = stop
        self.receive = receive
    }
}

private let transferWrite: ccurl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard transfer.stop?.isStopped != true else { return 0 }
    // Anything but `length` makes libcurl abort with CURLE_WRITE_ERROR.
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// Called about once a second even while a watch is idle: the way a stop reaches a blocked transfer.
private let transferProgress: ccurl_progress_callback = { context, _, _, _, _ in
    let transfer = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    return transfer.stop?.isStopped == true ? 1 : 0
}

extension Duration {
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
