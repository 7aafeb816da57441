import Glibc

/// A dedicated OS thread for blocking work (libcurl transfers, compiling and programming), which
/// must not occupy Swift's cooperative thread pool.
public final class WorkerThread: @unchecked Sendable {
    // Written once by pthread_create before anyone can call join().
    private var handle = pthread_t()

    public init(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let result = pthread_create(&handle, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        // Without a thread the agent cannot work at all.
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    /// Waits for the body to return; call once.
    public func join() { pthread_join(handle, nil) }
}
