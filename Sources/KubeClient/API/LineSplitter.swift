import Glibc

/// Cuts a byte stream into newline-terminated lines. Watch events straddle chunk boundaries and
/// several can share a chunk, so bytes after the last newline wait for the next chunk. A line may
/// hold at most `maximumLength` bytes, and so may the buffer that collects it.
struct LineSplitter: Sendable {
    let maximumLength: Int
    private var pending: [UInt8] = []

    init(maximumLength: Int = .max) {
        self.maximumLength = maximumLength
    }

    /// Calls `line` for every line `chunk` completes, without its terminator ("\n" or "\r\n"); the
    /// bytes are valid only during the call. A line within the chunk is handed in place, uncopied
    /// (newlines are found with memchr: an event is a few hundred bytes to several KiB).
    /// Empty lines are skipped; an error from `line` stops the feed. Returns false, having kept
    /// nothing more, when a line grows past `maximumLength` (the stream cannot go on).
    mutating func feed<Failure: Error>(_ chunk: UnsafeRawBufferPointer,
                                       line: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) -> Bool {
        guard let base = chunk.baseAddress else { return true }
        var start = 0
        while start < chunk.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), chunk.count - start) {
            let newline = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(start: base + start, count: newline - start)
            start = newline + 1
            guard pending.count + piece.count <= maximumLength else { return false }
            if pending.isEmpty {
                try Self.deliver(piece, to: line)
                continue
            }
            pending.append(contentsOf: piece)
            let complete = pending
            pending = []
            var failure: Failure?
            complete.withUnsafeBytes { bytes in
                do throws(Failure) { try Self.deliver(bytes, to: line) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        let rest = UnsafeRawBufferPointer(start: base + start, count: chunk.count - start)
        let needed = pending.count + rest.count
        guard needed <= maximumLength else { return false }
        // Grow as append would (doubling), but never past the limit.
        if needed > pending.capacity { pending.reserveCapacity(min(maximumLength, max(needed, 2 * pending.capacity))) }
        pending.append(contentsOf: rest)
        return true
    }

    /// Hands on a non-empty line without its "\r".
    private static func deliver<Failure: Error>(_ bytes: UnsafeRawBufferPointer,
                                                to line: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        var count = bytes.count
        if count > 0, bytes[count - 1] == UInt8(ascii: "\r") { count -= 1 }
        if count > 0 { try line(UnsafeRawBufferPointer(rebasing: bytes[..<count])) }
    }

    /// Bytes of an unfinished line: a stream that ends with some was cut off mid-line.
    var unterminated: Int { pending.count }
}
