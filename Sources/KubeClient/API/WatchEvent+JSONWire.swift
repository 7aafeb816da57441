import ClusterModel

extension WatchEvent {
    /// An ADDED, MODIFIED or DELETED line, `{"type":…,"object":{…}}`, read in one pass by the fast
    /// path; nil for anything else (BOOKMARK, ERROR, an unknown type, an object the reader declines,
    /// "object" before "type"), which the caller decodes with JSONDecoder as before, for the same value
    /// or message. The API server writes "type" first (apimachinery pkg/apis/meta/v1/watch.go,
    /// WatchEvent: Type, then Object, in encoding/json's field order).
    /// SPI for FuzzEnvelopeReader: Fuzz/ is a package of its own, which `package` access does not reach.
    @_spi(Fuzzing) public static func readJSON(_ line: UnsafeRawBufferPointer) -> WatchEvent? {
        var reader = JSONWireReader(line)
        var change: ((DecodedObject<Object>) -> WatchEvent)?
        var object: Object?
        do throws(JSONWireFallback) {
            try reader.readObject { reader, key throws(JSONWireFallback) in
                switch key {
                case "type":
                    guard change == nil, object == nil else { throw JSONWireFallback() }
                    change = try Self.change(reader.readString())
                case "object":
                    guard change != nil, object == nil else { throw JSONWireFallback() }
                    object = try Object(reading: &reader)
                default:
                    try reader.skipValue()
                }
            }
            try reader.readEnd()
        } catch {
            return nil
        }
        guard let change, let object else { return nil }
        return change(.valid(object))
    }

    /// The event for a type the fast path reads; the others decline.
    private static func change(_ type: String) throws(JSONWireFallback) -> (DecodedObject<Object>) -> WatchEvent {
        switch type {
        case "ADDED": return WatchEvent.added
        case "MODIFIED": return WatchEvent.modified
        case "DELETED": return WatchEvent.deleted
        default: throw JSONWireFallback()
        }
    }
}
