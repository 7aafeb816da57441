import Foundation
import Synchronization

/// Tests/TestAPIServer/apiserver.py as a child process, driven through its stdin control channel
/// (one JSON command per line, one JSON reply per line). `launcher` prefixes the command, e.g.
/// `ip netns exec NS` to run it inside a lab node. Stopped by `stop()` or when the value goes away.
public final class FakeAPIServer: Sendable {
    /// The line the server prints once it listens.
    public struct Ready: Decodable, Sendable {
        public var url: String
        public var ca: String?
        public var token: String?
        public var kubeconfig: String?
        public var pid: Int32
    }

    public let ready: Ready
    private let process: ProcessHandle
    private let channel: Mutex<ControlChannel>

    public static let script: String = {
        // This file is Tests/KubeClientTests/FakeAPIServerSupport/FakeAPIServer.swift.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("Tests/TestAPIServer/apiserver.py").path
    }()

    /// Starts the server with `arguments` (e.g. ["--listen", "127.0.0.1:0", "--tls-dir", dir]) and
    /// waits until it is ready. Its log goes to `log`.
    public init(arguments: [String], launcher: [String] = [], log: String) throws {
        let process = Process()
        let command = launcher + ["python3", Self.script] + arguments
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        var channel = ControlChannel(input: input.fileHandleForWriting, output: output.fileHandleForReading)
        guard let line = channel.readLine() else {
            process.waitUntilExit()
            let detail = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw FakeAPIServerError("the fake API server did not start (\(command.joined(separator: " "))): \(detail)")
        }
        ready = try JSONDecoder().decode(Ready.self, from: Data(line.utf8))
        self.process = ProcessHandle(process)
        self.channel = Mutex(channel)
    }

    deinit { stop() }

    /// Sends one command; throws when the server answers `"ok": false`.
    @discardableResult
    public func send(_ command: [String: Any]) throws -> [String: Any] {
        let request = try JSONSerialization.data(withJSONObject: command)
        let line = try channel.withLock { channel in
            try channel.write(request)
            guard let line = channel.readLine() else { throw FakeAPIServerError("the fake API server exited") }
            return line
        }
        guard let reply = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw FakeAPIServerError("not a JSON object: \(line)")
        }
        guard reply["ok"] as? Bool == true else { throw FakeAPIServerError("\(command["op"] ?? "?") failed: \(line)") }
        return reply
    }

    public func apply(_ object: [String: Any]) throws { try send(["op": "apply", "object": object]) }

    public func delete(kind: String, namespace: String? = nil, name: String) throws {
        var command: [String: Any] = ["op": "delete", "kind": kind, "name": name]
        if let namespace { command["namespace"] = namespace }
        try send(command)
    }

    /// Requests served so far by "verb:resource", e.g. "list:pods", "watch:pods".
    public func requestCounts() throws -> [String: Int] {
        (try send(["op": "stats"])["requests"] as? [String: Int]) ?? [:]
    }

    /// Closes stdin (the server then closes its watches cleanly and exits) and waits for it.
    public func stop() {
        channel.withLock { $0.close() }
        process.waitOrKill(after: 3)
    }

    /// SIGKILL: no clean close of the watches, as when the API server crashes.
    public func kill() {
        process.kill()
        channel.withLock { $0.close() }
    }
}

public struct FakeAPIServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The stdin/stdout pipes of the server; used under the server's lock.
struct ControlChannel {
    private let input: FileHandle
    private let output: FileHandle
    private var buffer = Data()
    private var closed = false

    init(input: FileHandle, output: FileHandle) {
        self.input = input
        self.output = output
    }

    func write(_ request: Data) throws {
        try input.write(contentsOf: request + Data("\n".utf8))
    }

    /// The next line of stdout; nil at end of file.
    mutating func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = output.availableData
            if chunk.isEmpty { return nil }
            buffer += chunk
        }
    }

    mutating func close() {
        guard !closed else { return }
        closed = true
        try? input.close()
    }
}

/// Foundation's Process, used from one test at a time.
final class ProcessHandle: @unchecked Sendable {
    private let process: Process

    init(_ process: Process) { self.process = process }

    func waitOrKill(after seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill() }
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
