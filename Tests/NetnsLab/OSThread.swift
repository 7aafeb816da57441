import Glibc

/// A plain pthread. Namespace work needs a thread of its own: `setns` changes only
/// the calling thread, and Swift's cooperative pool threads must never be moved.
final class OSThread: @unchecked Sendable {
    private var handle = pthread_t()

    /// Starts `body` on a new thread; call `join()` exactly once.
    init(_ body: @escaping @Sendable () -> Void) throws {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            throw LabError.system(call: "pthread_create", errno: rc)
        }
    }

    func join() { pthread_join(handle, nil) }

    /// Runs `body` on a fresh thread and waits for its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        let thread = try OSThread { result.withLock { $0 = Result { try body() } } }
        thread.join()
        return try result.withLock { $0! }.get()
    }
}
