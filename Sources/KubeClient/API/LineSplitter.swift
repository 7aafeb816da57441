/// Cuts a byte stream into newline-terminated lines. Watch events straddle chunk boundaries and
/// several can share a chunk, so bytes after the last newline wait for the next chunk.
struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    init() {}

    /// Calls `line` for every line `chunk` completes, without its terminator ("\n" or "\r\n").
    /// Empty lines are skipped; an error from `line` stops the feed.
    mutating func feed<Failure: Error>(_ chunk: UnsafeRawBufferPointer,
                                              line: (ArraySlice<UInt8>) throws(Failure) -> Void) throws(Failure) {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let piece = chunk[start..<newline]
            start = newline + 1
            var complete = ArraySlice(piece)
            if !pending.isEmpty {
                pending.append(contentsOf: piece)
                complete = pending[...]
                pending = []
            }
            if complete.last == UInt8(ascii: "\r") { complete = complete.dropLast() }
            if !complete.isEmpty { try line(complete) }
        }
        pending.append(contentsOf: chunk[start...])
    }

    /// Bytes of an unfinished line: a stream that ends with some was cut off mid-line.
    var unterminated: Int { pending.count }
}
