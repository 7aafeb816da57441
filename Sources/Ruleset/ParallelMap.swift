import Dispatch

/// A map whose items are computed on every core, each result in its item's place: the same result as
/// `items.map(transform)` whatever the threads do. Fewer than `threshold` items are mapped on this
/// thread, where waking others would cost more than they save. Used by the renderer and the compiler.
package enum ParallelMap {
    package static func map<Item: Sendable, Result: Sendable>(_ items: [Item], threshold: Int,
                                                      _ transform: @Sendable (Item) -> Result) -> [Result] {
        guard items.count >= max(2, threshold) else { return items.map(transform) }
        var results = [Result?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: items.count) { index in slots.buffer[index] = transform(items[index]) }
        }
        return results.map { $0! }
    }

    /// The results, which each iteration writes at its own index only.
    private struct Slots<Result>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Result?>
    }
}
