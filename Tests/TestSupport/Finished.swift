import Foundation

/// The result of work on another thread, awaited with a deadline.
public final class Finished: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Any, any Error>?

    public init() {}

    /// Runs `body` on a thread of its own.
    public static func running<T>(_ body: @escaping @Sendable () throws -> T) -> Finished {
        let finished = Finished()
        Thread { finished.record(Result { try body() }) }.start()
        return finished
    }

    public func record<T>(_ outcome: Result<T, any Error>) {
        condition.lock()
        result = outcome.map { $0 as Any }
        condition.broadcast()
        condition.unlock()
    }

    public func wait(within timeout: Duration) -> Result<Any, any Error>? {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while result == nil, condition.wait(until: deadline) {}
        return result
    }

    public static func text(_ result: Result<Any, any Error>) -> String {
        switch result {
        case .success(let value): return "succeeded with \(value)"
        case .failure(let error): return "\(error)"
        }
    }
}
