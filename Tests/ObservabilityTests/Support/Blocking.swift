import Foundation

/// Runs blocking work (sockets, semaphores) on its own thread, so it never holds one of the few
/// threads of Swift's cooperative pool that the server under test needs.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
