import Foundation

/// Turns the bytes of a watch response into events, each decoded as soon as its line is complete.
/// Holds at most one unfinished line, of at most `limits.line` bytes.
public struct WatchStreamDecoder<Object: KubernetesWireObject> {
    private var splitter: LineSplitter
    private let decoder = JSONDecoder()
    private let limits: ResponseLimits
    /// When the first byte of the unfinished line arrived; nil between lines.
    private var lineStarted: ContinuousClock.Instant?

    public init(limits: ResponseLimits = ResponseLimits()) {
        self.limits = limits
        splitter = LineSplitter(maximumLength: limits.line)
    }

    /// Calls `event` for every event `chunk` completes; `now` is when the chunk arrived. Throws at a
    /// line that is not a watch event (`malformed`: the stream cannot be trusted past it), and at a
    /// line over `limits.line` bytes or taking longer than `limits.lineTime` (`overLimit`).
    /// (A malformed *object* inside a well-formed event is not an error here; it arrives as
    /// `DecodedObject.invalid`.)
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, at now: ContinuousClock.Instant = .now,
                              event: (WatchEvent<Object>) -> Void) throws(APIError) {
        var endedLine = false
        let decoder = decoder  // apart from self, which the splitter's feed holds exclusively
        let fits = try splitter.feed(chunk) { (line) throws(APIError) in
            endedLine = true
            event(try Self.decode(line, with: decoder))
        }
        guard fits else { throw .overLimit("a watch line exceeds the limit of \(limits.line) bytes") }
        let unfinished = splitter.unterminated
        if unfinished == 0 {
            lineStarted = nil
        } else if endedLine || lineStarted == nil {
            lineStarted = now
        }
        if let lineStarted, now - lineStarted > limits.lineTime {
            throw .overLimit("a watch line took longer than \(limits.lineTime.loggable) (\(unfinished) bytes so far)")
        }
    }

    /// `line` read by the fast path, or else decoded by JSONDecoder, for the value or message it gave
    /// before. JSONDecoder reads the line in place (no copy: it keeps nothing of the bytes).
    private static func decode(_ line: UnsafeRawBufferPointer, with decoder: JSONDecoder) throws(APIError) -> WatchEvent<Object> {
        if let event = WatchEvent<Object>.readJSON(line) { return event }
        do {
            let bytes = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: line.baseAddress!), count: line.count, deallocator: .none)
            return try decoder.decode(WatchEvent<Object>.self, from: bytes)
        } catch {
            let excerpt = String(decoding: line.prefix(80), as: UTF8.self).debugDescription
            throw .malformed("not a watch event: \(excerpt) (\(DecodingFailure.summary(error)))")
        }
    }

    /// The stream stopped in the middle of an event (its event is lost; resuming re-delivers it).
    public var isMidEvent: Bool { splitter.unterminated > 0 }
}
