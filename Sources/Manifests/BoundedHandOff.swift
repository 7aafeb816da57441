import Foundation

/// Hands elements from one producing thread to one consuming thread, holding at most `capacity`: `put`
/// waits while it is full and `take` while it is empty (NSCondition, no spinning). The consumer may stop
/// early (`stop`); every `put` then returns false at once, so the producer can end.
final class BoundedHandOff<Element: Sendable>: Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private nonisolated(unsafe) var elements: [Element] = []
    private nonisolated(unsafe) var finished = false
    private nonisolated(unsafe) var stopped = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Waits for room; false when the consumer stopped, and the element was dropped.
    func put(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while elements.count >= capacity, !stopped { condition.wait() }
        guard !stopped else { return false }
        elements.append(element)
        condition.broadcast()
        return true
    }

    /// The producer put its last element.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next element, waiting for one; nil once the producer finished and every element was taken.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while elements.isEmpty, !finished { condition.wait() }
        guard !elements.isEmpty else { return nil }
        condition.broadcast()
        // At most `capacity` elements, a few.
        return elements.removeFirst()
    }

    /// The consumer wants nothing more: waiting and later `put`s return false, and what was held is dropped.
    func stop() {
        condition.lock()
        stopped = true
        elements.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the producer finished.
    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
