import Glibc

/// Runs a program and collects its output. Built on posix_spawn rather than
/// Foundation.Process so it is plain, synchronous and safe from any thread.
enum Command {
    /// Runs `argv` (looked up in PATH) with optional standard input.
    static func run(_ argv: [String], stdin input: String? = nil) throws -> CommandResult {
        precondition(!argv.isEmpty, "empty command")
        let stdinFD = try stdinFile(input ?? "")
        defer { close(stdinFD) }
        let output = try makePipe()
        defer { close(output.read) }
        let errors: (read: Int32, write: Int32)
        do { errors = try makePipe() } catch { close(output.write); throw error }
        defer { close(errors.read) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinFD, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
        // Only the child may keep the write ends, or the reads below never see EOF.
        close(output.write)
        close(errors.write)
        guard spawned == 0 else { throw LabError.system(call: "posix_spawnp \(argv[0])", errno: spawned) }

        let (out, err) = drain(stdout: output.read, stderr: errors.read)
        return CommandResult(status: wait(for: pid), stdout: out, stderr: err)
    }

    /// Like `run`, but a non-zero exit status is an error.
    @discardableResult
    static func check(_ argv: [String], stdin input: String? = nil) throws -> CommandResult {
        let result = try run(argv, stdin: input)
        guard result.status == 0 else {
            throw LabError.commandFailed(command: argv.joined(separator: " "), status: result.status, stderr: result.stderr)
        }
        return result
    }

    /// Standard input comes from an unlinked temp file: no pipe to fill, and no
    /// SIGPIPE if the child exits without reading it.
    private static func stdinFile(_ text: String) throws -> Int32 {
        let path = "/tmp/netnslab-stdin-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LabError.system(call: "open \(path)", errno: errno) }
        unlink(path)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { close(fd); throw LabError.system(call: "write stdin", errno: errno) }
            written += n
        }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// A socketpair rather than a pipe: it can be created close-on-exec atomically
    /// (Swift does not export pipe2), so concurrent spawns never inherit each other's ends.
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw LabError.system(call: "socketpair", errno: errno)
        }
        return (fds[0], fds[1])
    }

    /// Reads both pipes together so a chatty stderr cannot block the child.
    private static func drain(stdout: Int32, stderr: Int32) -> (String, String) {
        var buffers: [Int32: [UInt8]] = [stdout: [], stderr: []]
        var open = [stdout, stderr]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var pfds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&pfds, nfds_t(pfds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for pfd in pfds where pfd.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(pfd.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffers[pfd.fd]!.append(contentsOf: chunk[0..<n])
                } else if n == 0 || errno != EINTR {
                    open.removeAll { $0 == pfd.fd }
                }
            }
        }
        return (String(decoding: buffers[stdout]!, as: UTF8.self), String(decoding: buffers[stderr]!, as: UTF8.self))
    }

    private static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
