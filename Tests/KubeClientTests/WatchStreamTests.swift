import ClusterModel
import Foundation
import KubeClient
import Testing

/// The event-stream parser: lines cut anywhere by the transport, several per chunk, a stream that
/// stops mid-event, and lines that are not events at all.
struct WatchStreamTests {
    static let added = #"{"type":"ADDED","object":{"metadata":{"name":"a","namespace":"x","resourceVersion":"5","labels":{"app":"web"}},"status":{"podIP":"10.0.0.1"}}}"#
    static let deleted = #"{"type":"DELETED","object":{"metadata":{"name":"b","namespace":"x","resourceVersion":"6"}}}"#
    static let bookmark = #"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}"#
    static let expired = #"{"type":"ERROR","object":{"kind":"Status","status":"Failure","code":410,"reason":"Expired","message":"too old resource version: 5 (100)"}}"#

    /// Feeds `chunks` and returns the events with the resource version each carried.
    static func decode(_ chunks: [String]) throws -> (events: [WatchEvent<PodObject>], midEvent: Bool) {
        var decoder = WatchStreamDecoder<PodObject>()
        var events: [WatchEvent<PodObject>] = []
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            try bytes.withUnsafeBytes { buffer in
                try decoder.feed(buffer) { events.append($0) }
            }
        }
        return (events, decoder.isMidEvent)
    }

    @Test func eventSplitAcrossChunksIsDecodedOnceComplete() throws {
        let line = Self.added + "\n"
        for cut in [1, 10, line.utf8.count / 2, line.utf8.count - 1] {
            let bytes = Array(line.utf8)
            let first = String(decoding: bytes[..<cut], as: UTF8.self), second = String(decoding: bytes[cut...], as: UTF8.self)
            let result = try Self.decode([first, second])
            #expect(result.events.count == 1)
            #expect(result.events.first?.resourceVersion == "5")
            #expect(!result.midEvent)
        }
        // One byte per chunk.
        let result = try Self.decode(line.map(String.init))
        #expect(result.events.count == 1)
    }

    @Test func severalEventsInOneChunk() throws {
        let result = try Self.decode([Self.added + "\n" + Self.deleted + "\r\n" + Self.bookmark + "\n\n" + Self.expired + "\n"])
        #expect(result.events.count == 4)
        guard result.events.count == 4 else { return }
        guard case .added(.valid(let pod)) = result.events[0] else { Issue.record("expected ADDED"); return }
        #expect(pod.metadata.labels == ["app": "web"])
        guard case .deleted(.valid(let gone)) = result.events[1] else { Issue.record("expected DELETED"); return }
        #expect(gone.metadata.name == "b")
        guard case .bookmark(let version, let initialEventsEnd) = result.events[2] else { Issue.record("expected BOOKMARK"); return }
        #expect(version == "9" && initialEventsEnd)
        guard case .error(let status) = result.events[3] else { Issue.record("expected ERROR"); return }
        #expect(status.isExpired && status.code == 410)
    }

    @Test func truncatedStreamKeepsTheHalfEventOut() throws {
        let result = try Self.decode([Self.added + "\n" + Self.deleted.prefix(30)])
        #expect(result.events.count == 1)
        #expect(result.midEvent)
    }

    @Test func garbageLineFailsTheStreamAfterTheGoodEvents() {
        var seen = 0
        var decoder = WatchStreamDecoder<PodObject>()
        let bytes = Array((Self.added + "\nnot json at all\n" + Self.deleted + "\n").utf8)
        #expect(throws: APIError.self) {
            try bytes.withUnsafeBytes { buffer in try decoder.feed(buffer) { _ in seen += 1 } }
        }
        #expect(seen == 1)
        #expect(throws: APIError.self) { try Self.decode([#"{"type":"RENAMED","object":{}}"# + "\n"]) }
    }

    /// Failure mode closed: a line without a newline was buffered without bound. It is cut once
    /// it passes the limit, having held no more than the limit and one chunk.
    @Test func lineOverTheLimitEndsTheStream() {
        var decoder = WatchStreamDecoder<PodObject>(limits: ResponseLimits(line: 64 << 10))
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 16 << 10)
        var fed = 0
        let error = #expect(throws: APIError.self) {
            while fed < 1 << 20 {
                fed += chunk.count
                try chunk.withUnsafeBytes { try decoder.feed($0) { _ in Issue.record("no event expected") } }
            }
        }
        #expect(fed <= (64 << 10) + chunk.count, "cut after \(fed) bytes")
        #expect(error?.description.contains("65536 bytes") == true, "\(String(describing: error))")
    }

    /// Failure mode closed: a line trickled one byte a second kept the watch busy forever. The line
    /// time runs from a line's first byte, so a quiet stream between lines does not count.
    @Test func lineTakingLongerThanTheLineTimeEndsTheStream() throws {
        let start = ContinuousClock.now
        let line = Array((Self.added + "\n").utf8)
        var slow = WatchStreamDecoder<PodObject>(limits: ResponseLimits(lineTime: .seconds(30)))
        var fedSeconds = 0
        let error = #expect(throws: APIError.self) {
            for (second, byte) in line.enumerated() {
                fedSeconds = second
                try [byte].withUnsafeBytes { try slow.feed($0, at: start + .seconds(second)) { _ in } }
            }
        }
        #expect(fedSeconds == 31, "cut at the first byte past 30 s, not \(fedSeconds)")
        #expect(error?.description.contains("longer than 30.0 s") == true, "\(String(describing: error))")

        var quiet = WatchStreamDecoder<PodObject>(limits: ResponseLimits(lineTime: .seconds(30)))
        var events = 0
        let next = Array((Self.deleted + "\n").utf8)
        try line.withUnsafeBytes { try quiet.feed($0, at: start) { _ in events += 1 } }
        try next.prefix(10).withUnsafeBytes { try quiet.feed($0, at: start + .seconds(100)) { _ in events += 1 } }
        try next.dropFirst(10).withUnsafeBytes { try quiet.feed($0, at: start + .seconds(101)) { _ in events += 1 } }
        #expect(events == 2)
    }

    /// A well-formed event whose object has a wrong type is not a broken stream: it names the object.
    @Test func malformedObjectIsNamedNotFatal() throws {
        let line = #"{"type":"MODIFIED","object":{"metadata":{"name":"bad","namespace":"x","resourceVersion":"7"},"spec":{"hostNetwork":"yes"}}}"#
        let result = try Self.decode([line + "\n" + Self.deleted + "\n"])
        #expect(result.events.count == 2)
        guard case .modified(.invalid(let metadata, let reason)) = result.events.first else { Issue.record("expected invalid"); return }
        #expect(metadata.name == "bad")
        #expect(reason.contains("spec.hostNetwork"))
        #expect(result.events.first?.resourceVersion == "7")
    }

    @Test func listPageDecodesItemsOneByOne() throws {
        let json = #"{"kind":"PodList","metadata":{"resourceVersion":"12","continue":"abc"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"status":{"podIPs":"oops"}}]}"#
        let page = try JSONDecoder().decode(ObjectList<PodObject>.self, from: Data(json.utf8))
        #expect(page.resourceVersion == "12")
        #expect(page.continueToken == "abc")
        guard page.items.count == 2, case .invalid(let metadata, let reason) = page.items[1] else {
            Issue.record("expected the second item invalid"); return
        }
        #expect(metadata.name == "b")
        #expect(reason.hasPrefix("status.podIPs"))
        let last = try JSONDecoder().decode(ObjectList<PodObject>.self, from: Data(#"{"metadata":{"resourceVersion":"12","continue":""},"items":null}"#.utf8))
        #expect(last.continueToken == nil && last.items.isEmpty)
    }
}
