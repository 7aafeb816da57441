import Foundation

/// A value guarded by a lock. The lab is used from test tasks and from its own
/// server thread, so every piece of shared mutable state lives in one of these.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
