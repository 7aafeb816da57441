import ClusterModel
import Foundation
@_spi(Fuzzing) @testable import KubeClient
import Testing

/// The fast path (`JSONWireReader`) for watch lines and LIST pages gives exactly what JSONDecoder gave
/// before: it reads the common lines itself and leaves every other one to JSONDecoder, whose value
/// or message then stands.
struct WireDecodingTests {
    static let pod = #"{"metadata":{"name":"a","namespace":"x","resourceVersion":"5","uid":"u-1","labels":{"app":"web","tier":"db"},"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"manager":"kubelet","fieldsV1":{"f:status":{}}}]},"spec":{"nodeName":"node-1","hostNetwork":false,"containers":[{"name":"main","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}]}],"initContainers":[{"name":"side","restartPolicy":"Always","ports":[{"containerPort":9090}]}]},"status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"},{"ip":"fd00::1"}],"conditions":[{"type":"Ready","status":"True"}]}}"#
    /// Lines the fast path reads itself.
    static let readLines = [
        #"{"type":"ADDED","object":\#(pod)}"#,
        #"{"type":"MODIFIED","object":{"metadata":{"name":"b","namespace":"x","resourceVersion":"6","labels":{}},"spec":null,"status":{"podIPs":[]}}}"#,
        #" { "type" : "DELETED" , "object" : {"kind":"Pod","metadata":{"name":"c","resourceVersion":"7"}} , "extra": [1, 2.5, null, {"k":"\u00e9"}] } "#,
    ]
    /// Lines it leaves to JSONDecoder: the object is malformed (it arrives `.invalid` with its
    /// reason), or the event is not a change.
    static let declinedLines = [
        #"{"type":"MODIFIED","object":{"metadata":{"name":"bad","namespace":"x","resourceVersion":"8"},"spec":{"hostNetwork":"yes"}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"n","namespace":"x","resourceVersion":"9"},"spec":{"containers":[{"ports":[{"containerPort":80.0}]}]}}}"#,
        #"{"object":\#(pod),"type":"ADDED"}"#,
        #"{"type":"ADDED","type":"DELETED","object":\#(pod)}"#,
        #"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"10","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
        #"{"type":"ERROR","object":{"kind":"Status","status":"Failure","code":410,"reason":"Expired","message":"too old"}}"#,
    ]

    /// An event or list item in a form tests compare (labels are dictionaries: their printed order
    /// may differ between equal ones).
    enum Seen: Equatable {
        case valid(String, PodObject)
        case invalid(String, ObjectMeta, reason: String)
        case bookmark(String, end: Bool)
        case error(APIStatus)

        init(_ type: String, _ object: DecodedObject<PodObject>) {
            switch object {
            case .valid(let pod): self = .valid(type, pod)
            case .invalid(let metadata, let reason): self = .invalid(type, metadata, reason: reason)
            }
        }

        init(_ event: WatchEvent<PodObject>) {
            switch event {
            case .added(let object): self.init("ADDED", object)
            case .modified(let object): self.init("MODIFIED", object)
            case .deleted(let object): self.init("DELETED", object)
            case .bookmark(let version, let end): self = .bookmark(version, end: end)
            case .error(let status): self = .error(status)
            }
        }
    }

    /// The events of `lines` as the stream decoder gives them.
    static func streamed(_ lines: [String]) throws -> [Seen] {
        var decoder = WatchStreamDecoder<PodObject>()
        var events: [Seen] = []
        try Array(lines.joined(separator: "\n").appending("\n").utf8).withUnsafeBytes { bytes in
            try decoder.feed(bytes) { events.append(Seen($0)) }
        }
        return events
    }

    /// What JSONDecoder alone makes of `line`, as the stream decoder did before the fast path.
    static func decodedByJSONDecoder(_ line: String) throws -> Seen {
        Seen(try JSONDecoder().decode(WatchEvent<PodObject>.self, from: Data(line.utf8)))
    }

    @Test func fastPathReadsChangeEventsAsJSONDecoderDoes() throws {
        for line in Self.readLines {
            let read = Array(line.utf8).withUnsafeBytes { WatchEvent<PodObject>.readJSON($0) }
            #expect(read != nil, "the fast path declined \(line)")
        }
        #expect(try Self.streamed(Self.readLines) == Self.readLines.map(Self.decodedByJSONDecoder))
    }

    @Test func declinedLinesGetJSONDecodersValue() throws {
        for line in Self.declinedLines {
            let read = Array(line.utf8).withUnsafeBytes { WatchEvent<PodObject>.readJSON($0) }
            #expect(read == nil, "the fast path read \(line)")
        }
        let events = try Self.streamed(Self.declinedLines)
        #expect(try events == Self.declinedLines.map(Self.decodedByJSONDecoder))
        guard case .invalid(_, let metadata, let reason) = events.first else { Issue.record("expected invalid: \(events)"); return }
        #expect(metadata.name == "bad" && reason == "spec.hostNetwork: expected Bool")
    }

    @Test func unknownEventTypeFailsWithTodaysMessage() {
        let error = #expect(throws: APIError.self) { try Self.streamed([#"{"type":"RENAMED","object":\#(Self.pod)}"#]) }
        #expect(error?.description.contains(#"(type: unknown watch event type "RENAMED")"#) == true, "\(String(describing: error))")
    }

    static func page(_ items: [String], continue token: String = "abc") -> Data {
        Data(#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"12","continue":"\#(token)"},"items":[\#(items.joined(separator: ","))]}"#.utf8)
    }

    struct Page: Equatable {
        var items: [Seen]
        var resourceVersion: String
        var continueToken: String?
    }

    static func spelled(_ page: ObjectList<PodObject>) -> Page {
        Page(items: page.items.map { Seen("item", $0) }, resourceVersion: page.resourceVersion, continueToken: page.continueToken)
    }

    @Test func listPageReadByTheFastPathEqualsJSONDecoders() throws {
        let body = Self.page([Self.pod, #"{"metadata":{"name":"b","namespace":"y"}}"#], continue: "")
        let read = try #require(body.withUnsafeBytes { ObjectList<PodObject>.readJSON($0) })
        let decoded = try JSONDecoder().decode(ObjectList<PodObject>.self, from: body)
        #expect(Self.spelled(read) == Self.spelled(decoded))
        #expect(read.items.count == 2 && read.continueToken == nil && read.resourceVersion == "12")
        let empty = Data(#"{"metadata":{"resourceVersion":"3"},"items":null}"#.utf8)
        #expect(try Self.spelled(ObjectList<PodObject>.decoding(empty, with: JSONDecoder()))
                == Self.spelled(JSONDecoder().decode(ObjectList<PodObject>.self, from: empty)))
    }

    /// One malformed item sends the whole page to JSONDecoder: that item arrives `.invalid` with its
    /// reason, the others valid, as before.
    @Test func pageWithAMalformedItemIsDecodedByJSONDecoder() throws {
        let body = Self.page([Self.pod, #"{"metadata":{"name":"b"},"status":{"podIPs":"oops"}}"#])
        #expect(body.withUnsafeBytes { ObjectList<PodObject>.readJSON($0) } == nil)
        let page = try ObjectList<PodObject>.decoding(body, with: JSONDecoder())
        #expect(Self.spelled(page) == Self.spelled(try JSONDecoder().decode(ObjectList<PodObject>.self, from: body)))
        guard page.items.count == 2, case .valid = page.items[0], case .invalid(let metadata, let reason) = page.items[1] else {
            Issue.record("expected a valid item, then an invalid one: \(page.items)"); return
        }
        #expect(metadata.name == "b" && reason.hasPrefix("status.podIPs"))
        #expect(throws: (any Error).self) { try ObjectList<PodObject>.decoding(Data(#"{"items":[]}"#.utf8), with: JSONDecoder()) }
    }
}
