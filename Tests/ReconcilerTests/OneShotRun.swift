import Foundation
import Glibc

/// One run of a command that must end by itself (`agent --dry-run …`): its exit status and output.
/// A run still going at the deadline is killed and has no status.
struct OneShotRun {
    var status: Int32?
    var stdout: String
    var stderr: String
    var elapsed: Duration

    init(_ command: [String], deadline: Duration) throws {
        let directory = NSTemporaryDirectory() + "one-shot-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (out, err) = ("\(directory)/stdout", "\(directory)/stderr")
        for file in [out, err] { _ = FileManager.default.createFile(atPath: file, contents: nil) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        let started = ContinuousClock.now
        try process.run()
        while process.isRunning && ContinuousClock.now - started < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        elapsed = ContinuousClock.now - started
        status = process.terminationReason == .exit ? process.terminationStatus : nil
        stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    }
}

/// A kubeconfig (JSON, which is YAML) for `server` that trusts the CA in `caFile` and sends `token`.
func writeKubeconfig(_ path: String, server: String, caFile: String, token: String) throws {
    let config: [String: Any] = [
        "clusters": [["name": "c", "cluster": ["server": server, "certificate-authority": caFile]]],
        "users": [["name": "u", "user": ["token": token]]],
        "contexts": [["name": "c", "context": ["cluster": "c", "user": "u"]]],
        "current-context": "c",
    ]
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
}
