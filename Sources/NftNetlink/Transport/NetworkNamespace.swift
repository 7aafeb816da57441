import CNftables
import Glibc

/// Named network namespaces, as `ip netns add` creates them (bind mounts under /var/run/netns).
enum NetworkNamespace {
    static let directory = "/var/run/netns"
    /// CLONE_NEWNET; <sched.h> declares it only with _GNU_SOURCE.
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// Runs `body` on a temporary thread that joins namespace `name` and moves back afterwards. A netlink
    /// socket belongs to the namespace of the thread that creates it, for good; setns changes only the
    /// calling thread, and a Swift concurrency thread must never be moved.
    static func run<T: Sendable>(in name: String, _ body: @Sendable () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        try withoutActuallyEscaping(body) { body in
            try OneShotThread.run { outcome.result = Result { try enter(name, body) } }
        }
        return try outcome.result!.get()
    }

    private static func enter<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard home >= 0 else { throw NftError.system("open /proc/thread-self/ns/net", errno: errno) }
        defer { close(home) }
        let target = open("\(directory)/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw NftError.system("open network namespace \(directory)/\(name)", errno: errno) }
        defer { close(target) }
        guard cnft_setns(target, cloneNewNet) == 0 else { throw NftError.system("setns \(name)", errno: errno) }
        defer { _ = cnft_setns(home, cloneNewNet) }
        return try body()
    }

    /// Written by the thread, read after it is joined.
    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}

/// A plain pthread, started and joined at once.
private enum OneShotThread {
    private final class Job {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func run(_ body: @escaping @Sendable () -> Void) throws {
        let context = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        guard code == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            throw NftError.system("pthread_create", errno: code)
        }
        pthread_join(thread, nil)
    }
}
