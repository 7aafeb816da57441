import Foundation

/// LIST and WATCH against the API server over one kept-alive connection. Not Sendable: each
/// reflector thread owns one.
public final class APIClient {
    public let connection: ClusterConnection
    /// How 429 and 5xx answers with Retry-After are retried within one request.
    public var retry = RequestRetry()
    private let session: HTTPSession
    private let decoder = JSONDecoder()
    /// An error response carries a small Status; more than this of it is not kept.
    private static let statusBodyLimit = 64 << 10

    public init(connection: ClusterConnection) throws(TransportError) {
        self.connection = connection
        session = try HTTPSession()
    }

    /// One page of a LIST. `resourceVersion` nil asks for a consistent read; "0" for any state the
    /// server has (its watch cache, which ignores `limit`); N for a state not older than N. Follow-up
    /// pages send only `limit` and `continue` (the server rejects a resource version beside it), as
    /// client-go's tools/pager/pager.go ListPager.list does. A page over `limits.page` bytes ends the
    /// request (`overLimit`).
    public func list<Resource: APIResource>(_ resource: Resource.Type, resourceVersion: String? = nil, limit: Int?,
                                            continue token: String?, fieldSelector: String? = nil,
                                            limits: ResponseLimits = ResponseLimits(),
                                            stop: StopToken? = nil) throws(APIError) -> ObjectList<Resource.Object> {
        var query: [(String, String)] = []
        if let limit { query.append(("limit", String(limit))) }
        if let token {
            query.append(("continue", token))
        } else if let resourceVersion {
            query.append(("resourceVersion", resourceVersion))
        }
        // Sent on every page, as client-go's pager does (it reuses one ListOptions; tools/pager/pager.go).
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        return try retrying("\(Resource.name) list", stop: stop) { () throws(APIError) in
            var body = Data()
            let status = try get(Resource.path, query: query, timeouts: TransferTimeouts(total: .seconds(60)), stop: stop) { (bytes) throws(APIError) in
                guard body.count + bytes.count <= limits.page else {
                    throw .overLimit("\(Resource.name) list: a page exceeds the limit of \(limits.page) bytes")
                }
                body.append(contentsOf: bytes)
            }
            guard status == 200 else { throw failure(status, body: body) }
            do {
                return try ObjectList<Resource.Object>.decoding(body, with: decoder)
            } catch {
                throw .malformed("\(Resource.name) list: \(error)")
            }
        }
    }

    /// Streams changes after `resourceVersion`, calling `event` for each line as soon as it is
    /// complete, until the server ends the watch (at `timeout`, or after an ERROR event).
    /// `sendInitialEvents` asks for a WatchList: the state not older than `resourceVersion` (nil:
    /// consistent) as ADDED events, ended by a bookmark with `initialEventsEnd`, then the changes
    /// (apimachinery validation.go validateWatchOptions; client-go reflector.go watchList).
    /// Throws for an error status, a broken connection, a line that is not a watch event, or one
    /// over `limits`.
    public func watch<Resource: APIResource>(_ resource: Resource.Type, from resourceVersion: String?,
                                             sendInitialEvents: Bool = false, timeout: Duration,
                                             stalled: Duration, fieldSelector: String? = nil, limits: ResponseLimits = ResponseLimits(),
                                             stop: StopToken? = nil,
                                             event: (WatchEvent<Resource.Object>) -> Void) throws(APIError) -> WatchSummary {
        var query = [("watch", "1")]
        if sendInitialEvents { query += [("sendInitialEvents", "true"), ("resourceVersionMatch", "NotOlderThan")] }
        if let resourceVersion, !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
        query += [("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeout.components.seconds))]
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        // The server closes at `timeout`; the overall limit is only a backstop.
        let timeouts = TransferTimeouts(total: timeout + .seconds(30), stalled: stalled)
        return try retrying("\(Resource.name) watch", stop: stop) { () throws(APIError) in
            var stream = WatchStreamDecoder<Resource.Object>(limits: limits)
            var errorBody = Data()
            var summary = WatchSummary()
            let status = try get(Resource.path, query: query, timeouts: timeouts, compressed: false, stop: stop) { (bytes) throws(APIError) in
                guard session.responseCode == 200 else {
                    errorBody.append(contentsOf: bytes.prefix(max(0, Self.statusBodyLimit - errorBody.count)))
                    return
                }
                do throws(APIError) {
                    try stream.feed(bytes) { decoded in
                        summary.events += 1
                        event(decoded)
                    }
                } catch {
                    throw error.naming("\(Resource.name) watch")
                }
            }
            guard status == 200 else { throw failure(status, body: errorBody) }
            summary.truncated = stream.isMidEvent
            return summary
        }
    }

    /// Performs one GET, handing `receive` the body as it arrives. An error `receive` throws ends
    /// the transfer and is what this throws (rather than libcurl's write error).
    func get(_ path: String, query: [(String, String)], timeouts: TransferTimeouts, compressed: Bool = true, stop: StopToken?,
                     receive: (UnsafeRawBufferPointer) throws(APIError) -> Void) throws(APIError) -> Int {
        var headers = ["Accept: application/json", "User-Agent: netpol-agent"]
        var refusal: APIError?
        do {
            if let token = try connection.token?.token() { headers.append("Authorization: Bearer \(token)") }
            let request = HTTPRequest(url: connection.server + path + "?" + QueryString.encode(query), headers: headers,
                                      tls: try connection.tls.material(), timeouts: timeouts, compressed: compressed)
            let status = try session.get(request, stop: stop) { bytes in
                do throws(APIError) {
                    try receive(bytes)
                    return true
                } catch {
                    refusal = error
                    return false
                }
            }
            if status == 401 { connection.token?.invalidate() }
            return status
        } catch let error as ConfigError {
            throw .configuration(error)
        } catch let error as TransportError {
            throw refusal ?? .transport(error)
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// The error for an answer with `status`. A body that is not a Status (APF's 429 is text/plain)
    /// still yields one where a Retry-After header must be kept.
    func failure(_ status: Int, body: Data) -> APIError {
        let retryAfter = session.retryAfter
        var decoded = try? decoder.decode(APIStatus.self, from: body)
        if decoded == nil, retryAfter != nil {
            decoded = APIStatus(code: status, message: String(decoding: body.prefix(200), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        decoded?.retryAfterHeader = retryAfter
        return .status(status, decoded)
    }
}

/// How a watch that the server ended went.
public struct WatchSummary: Sendable {
    public var events = 0
    /// The stream ended in the middle of a line (the half-line is dropped; its event comes again).
    public var truncated = false
}

enum QueryString {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
