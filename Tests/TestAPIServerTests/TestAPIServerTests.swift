import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Fidelity of the fake API server (Tests/TestAPIServer), checked from `swift test`:
/// its own suite, including the pinned-kubectl check, and a Swift HTTP client
/// (FoundationNetworking, which runs on libcurl) doing LIST and a streamed WATCH.
@Suite(.serialized)
struct TestAPIServerTests {
    static let directory: String = {
        // This file is Tests/TestAPIServerTests/TestAPIServerTests.swift.
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        url.deleteLastPathComponent()
        return url.appendingPathComponent("TestAPIServer").path
    }()

    /// The Python suite: CRUD, RV semantics, pagination, selectors, watches, faults, TLS,
    /// persistence, and kubectl 1.33 against the fake. A missing kubectl fails there, loudly.
    @Test(.timeLimit(.minutes(3)))
    func pythonSuiteAndKubectlFidelity() throws {
        let result = try run(["python3", "-m", "pytest", "-q", Self.directory],  // flags: pytest.ini there
                             timeout: 170)
        #expect(result.status == 0, "pytest failed (exit \(result.status)):\n\(result.output)")
    }

    /// A Swift client: LIST with a token, 401 without, then a chunked WATCH from the list's
    /// resourceVersion that sees a change made through the control channel, bookmarks, and a clean end.
    @Test(.timeLimit(.minutes(1)))
    func swiftClientListsAndWatches() async throws {
        let server = try Server(["--token", "swift-token", "--bookmark-interval", "0.2"])
        defer { server.stop() }
        try server.send(#"{"op":"apply","object":{"kind":"Pod","metadata":{"name":"a","namespace":"default"}}}"#)

        var request = URLRequest(url: URL(string: "\(server.url)/api/v1/namespaces/default/pods")!)
        request.setValue("Bearer swift-token", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let list = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(list?["kind"] as? String == "PodList")
        let listRV = try #require((list?["metadata"] as? [String: Any])?["resourceVersion"] as? String)
        #expect((list?["items"] as? [Any])?.count == 1)

        var anonymous = request
        anonymous.setValue(nil, forHTTPHeaderField: "Authorization")
        let (denied, deniedResponse) = try await URLSession.shared.data(for: anonymous)
        #expect((deniedResponse as? HTTPURLResponse)?.statusCode == 401)
        let status = try JSONSerialization.jsonObject(with: denied) as? [String: Any]
        #expect(status?["kind"] as? String == "Status" && status?["reason"] as? String == "Unauthorized")

        let query = "watch=1&resourceVersion=\(listRV)&allowWatchBookmarks=true&timeoutSeconds=2"
        var watch = URLRequest(url: URL(string: "\(server.url)/api/v1/namespaces/default/pods?\(query)")!)
        watch.setValue("Bearer swift-token", forHTTPHeaderField: "Authorization")
        let collector = LineCollector()
        let session = URLSession(configuration: .ephemeral, delegate: collector, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: watch).resume()
        #expect(collector.wait { _ in server.openWatches() == 1 })
        try server.send(#"{"op":"apply","object":{"kind":"Pod","metadata":{"name":"b","namespace":"default"}}}"#)

        #expect(collector.wait(seconds: 10) { $0.finished })
        let state = collector.snapshot
        #expect(state.error == nil, "the watch should end cleanly at timeoutSeconds: \(String(describing: state.error))")
        let events = state.lines.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        #expect(events.count == state.lines.count, "every line is one JSON event")
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.first == "ADDED" && types.contains("BOOKMARK") && types.last == "BOOKMARK", "\(types)")
        let added = (events.first?["object"] as? [String: Any])?["metadata"] as? [String: Any]
        #expect(added?["name"] as? String == "b")
        #expect(Int(added?["resourceVersion"] as? String ?? "") == Int(listRV)! + 1)
    }

    /// A watch cut by the server ends with a transport error, not a clean end.
    @Test(.timeLimit(.minutes(1)))
    func droppedWatchIsAnError() async throws {
        let server = try Server([])
        defer { server.stop() }
        let collector = LineCollector()
        let session = URLSession(configuration: .ephemeral, delegate: collector, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        session.dataTask(with: URL(string: "\(server.url)/api/v1/pods?watch=1")!).resume()
        #expect(collector.wait { _ in server.openWatches() == 1 })
        try server.send(#"{"op":"drop-watches"}"#)
        #expect(collector.wait(seconds: 10) { $0.finished })
        #expect(collector.snapshot.error != nil)
    }
}

// MARK: - helpers

/// apiserver.py as a child process with its stdin control channel.
final class Server: @unchecked Sendable {
    private(set) var url = ""
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private let lock = NSLock()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(TestAPIServerTests.directory)/apiserver.py", "--listen", "127.0.0.1:0"]
            + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        try process.run()
        let line = try readLine()
        let ready = try JSONSerialization.jsonObject(with: line) as? [String: Any]
        guard let url = ready?["url"] as? String else { throw Failure("bad startup line") }
        self.url = url
    }

    private func readLine() throws -> Data {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw Failure("the fake API server exited") }
            buffer += chunk
        }
    }

    @discardableResult
    func send(_ command: String) throws -> [String: Any] {
        try lock.withLock {
            try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
            let reply = try JSONSerialization.jsonObject(with: try readLine()) as? [String: Any]
            guard reply?["ok"] as? Bool == true else { throw Failure("\(command) failed: \(String(describing: reply))") }
            return reply ?? [:]
        }
    }

    func openWatches() -> Int {
        ((try? send(#"{"op":"stats"}"#))?["openWatches"] as? [String: Int])?.values.reduce(0, +) ?? 0
    }

    func stop() {
        try? input.fileHandleForWriting.close()  // the server's cue to exit
        process.waitUntilExit()
    }
}

/// Collects a streamed response line by line (lines may straddle deliveries).
final class LineCollector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct State {
        var lines: [Data] = []
        var pending = Data()
        var finished = false
        var error: Error?
    }

    private let lock = NSLock()
    private var state = State()

    var snapshot: State { lock.withLock { state } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock {
            state.pending += data
            while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                state.lines.append(Data(state.pending[state.pending.startIndex..<newline]))
                state.pending = Data(state.pending[(newline + 1)...])
            }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            state.finished = true
            state.error = error
        }
    }

    /// Polls `condition` until it holds or `seconds` pass.
    func wait(seconds: Double = 5, _ condition: (State) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition(snapshot) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition(snapshot)
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command with the repository's environment; output is stdout and stderr together.
func run(_ command: [String], timeout: Double) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    var environment = ProcessInfo.processInfo.environment
    environment["PYTHONDONTWRITEBYTECODE"] = "1"  // no __pycache__ left in the source tree
    process.environment = environment
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("fake-apiserver-\(UUID()).log")
    _ = FileManager.default.createFile(atPath: file.path, contents: nil)
    let handle = try FileHandle(forWritingTo: file)
    defer { try? FileManager.default.removeItem(at: file) }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date(timeIntervalSinceNow: timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    if process.isRunning {
        process.terminate()
    }
    process.waitUntilExit()
    try handle.close()
    let output = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    return (process.terminationStatus, output)
}
