import CCurl
import CCurlShim
import Foundation

/// Owns one libcurl easy handle. Not Sendable: a handle is used by one thread at a time, so each
/// thread that talks to the API server keeps its own (which also keeps its connection alive).
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes a readable reason here on failure (CURLOPT_ERRORBUFFER).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    init() throws(TransportError) {
        try CurlRuntime.ensureInitialized()
        guard let handle = curl_easy_init() else { throw TransportError.setup("curl_easy_init failed") }
        raw = handle
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Clears every option but keeps the connection cache, so the next request reuses the connection.
    func reset() throws(TransportError) {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
        try check(ccurl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try check(ccurl_setopt_long(raw, option, value), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: String) throws(TransportError) {
        try check(ccurl_setopt_string(raw, option, value), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransportError) {
        try check(ccurl_setopt_pointer(raw, option, pointer), "option \(option.rawValue)")
    }

    func set(_ option: CURLoption, blob: Data) throws(TransportError) {
        let code = blob.withUnsafeBytes { ccurl_setopt_blob(raw, option, $0.baseAddress, $0.count) }
        try check(code, "blob option \(option.rawValue)")
    }

    func setWriteCallback(_ callback: ccurl_data_callback, context: UnsafeMutableRawPointer) throws(TransportError) {
        try check(ccurl_setopt_write_callback(raw, callback, context), "CURLOPT_WRITEFUNCTION")
    }

    func setProgressCallback(_ callback: ccurl_progress_callback, context: UnsafeMutableRawPointer) throws(TransportError) {
        try check(ccurl_setopt_progress_callback(raw, callback, context), "CURLOPT_XFERINFOFUNCTION")
    }

    /// Runs the transfer to its end; returns libcurl's result.
    func perform() -> CURLcode { curl_easy_perform(raw) }

    var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// The response's Retry-After (libcurl ≥ 7.66 parses seconds and HTTP dates); nil without one.
    var retryAfter: Duration? {
        var seconds: curl_off_t = 0
        guard ccurl_getinfo_off_t(raw, CURLINFO_RETRY_AFTER, &seconds) == CURLE_OK, seconds != 0 else { return nil }
        // Before 8.12 libcurl answers a date in the past with a negative number.
        return .seconds(max(0, seconds))
    }

    /// The reason for `code`: libcurl's detailed message if it wrote one, else the generic one.
    func failure(_ code: CURLcode) -> TransportError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return .curl(code: Int(code.rawValue), message: message)
    }

    private func check(_ code: CURLcode, _ what: String) throws(TransportError) {
        guard code == CURLE_OK else { throw TransportError.setup("\(what): \(String(cString: curl_easy_strerror(code)))") }
    }
}
