import Glibc

/// Entering a named network namespace (`ip netns add` bind-mounts them under /var/run/netns).
enum NetworkNamespace {
    static let directory = "/var/run/netns"
    private static let cloneNewNet: Int32 = 0x4000_0000  // CLONE_NEWNET, not exported to Swift

    /// Glibc has setns(2) but Swift's Glibc module does not export it; look it up once.
    private static let setnsFunction: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    /// Runs `body` on a fresh thread that has joined namespace `name`. Sockets created
    /// there stay in that namespace after the thread ends; nothing else changes namespace.
    static func run<T: Sendable>(in name: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        try OSThread.run {
            try enter(name)
            return try body()
        }
    }

    /// Moves the calling thread into namespace `name`. Only call on a thread owned by this library.
    private static func enter(_ name: String) throws {
        guard let setns = setnsFunction else { throw LabError.system(call: "dlsym setns", errno: ENOSYS) }
        let fd = open("\(directory)/\(name)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LabError.system(call: "open netns \(name)", errno: errno) }
        defer { close(fd) }
        guard setns(fd, cloneNewNet) == 0 else { throw LabError.system(call: "setns \(name)", errno: errno) }
    }

    /// Writes a sysctl of the current thread's namespace: /proc/sys/net follows the calling thread.
    static func setSysctl(_ key: String, _ value: String) throws {
        let path = "/proc/sys/" + key.replacingDots()
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LabError.system(call: "open \(path)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw LabError.system(call: "write \(path)", errno: errno) }
    }
}

private extension String {
    func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
