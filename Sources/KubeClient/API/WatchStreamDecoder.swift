import Foundation

/// Turns the bytes of a watch response into events, each decoded as soon as its line is complete.
public struct WatchStreamDecoder<Object: KubernetesWireObject> {
    private var splitter = LineSplitter()
    private let decoder = JSONDecoder()

    public init() {}

    /// Calls `event` for every event `chunk` completes. Throws at a line that is not a watch event:
    /// the stream cannot be trusted past it. (A malformed *object* inside a well-formed event is not
    /// an error here; it arrives as `DecodedObject.invalid`.)
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, event: (WatchEvent<Object>) -> Void) throws(APIError) {
        try splitter.feed(chunk) { (line) throws(APIError) in
            do {
                event(try decoder.decode(WatchEvent<Object>.self, from: Data(line)))
            } catch {
                throw .malformed("undecodable watch line \(String(decoding: line.prefix(120), as: UTF8.self).debugDescription): \(error)")
            }
        }
    }

    /// The stream stopped in the middle of an event (its event is lost; resuming re-delivers it).
    public var isMidEvent: Bool { splitter.unterminated > 0 }
}
