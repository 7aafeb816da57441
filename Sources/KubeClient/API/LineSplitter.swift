/// Cuts a byte stream into newline-terminated lines. Watch events straddle chunk boundaries and
/// several can share a chunk, so bytes after the last newline wait for the next chunk. A line may
/// hold at most `maximumLength` bytes, and so may the buffer that collects it.
struct LineSplitter: Sendable {
    let maximumLength: Int
    private var pending: [UInt8] = []

    init(maximumLength: Int = .max) {
        self.maximumLength = maximumLength
    }

    /// Calls `line` for every line `chunk` completes, without its terminator ("\n" or "\r\n").
    /// Empty lines are skipped; an error from `line` stops the feed. Returns false, having kept
    /// nothing more, when a line grows past `maximumLength` (the stream cannot go on).
    mutating func feed<Failure: Error>(_ chunk: UnsafeRawBufferPointer,
                                       line: (ArraySlice<UInt8>) throws(Failure) -> Void) throws(Failure) -> Bool {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let piece = chunk[start..<newline]
            start = newline + 1
            guard pending.count + piece.count <= maximumLength else { return false }
            var complete = ArraySlice(piece)
            if !pending.isEmpty {
                pending.append(contentsOf: piece)
                complete = pending[...]
                pending = []
            }
            if complete.last == UInt8(ascii: "\r") { complete = complete.dropLast() }
            if !complete.isEmpty { try line(complete) }
        }
        let rest = chunk[start...]
        let needed = pending.count + rest.count
        guard needed <= maximumLength else { return false }
        // Grow as append would (doubling), but never past the limit.
        if needed > pending.capacity { pending.reserveCapacity(min(maximumLength, max(needed, 2 * pending.capacity))) }
        pending.append(contentsOf: rest)
        return true
    }

    /// Bytes of an unfinished line: a stream that ends with some was cut off mid-line.
    var unterminated: Int { pending.count }
}
