import Foundation
import Glibc

/// One `agent --kubeconfig … --node …` run inside a lab node's namespace, as an operator starts it.
final class AgentProcess {
    private let process = Process()
    let log: String

    /// The agent binary built beside this test bundle.
    static let binary: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("agent").path
    }()

    init(namespace: String, node: String, kubeconfig: String, log: String, extra: [String] = [],
         environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw AgentProcessError("no agent binary at \(Self.binary): build it first (swift build)")
        }
        self.log = log
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, Self.binary, "--kubeconfig", kubeconfig, "--node", node] + extra
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { kill() }

    /// SIGTERM, then waits; returns the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: the agent gets no chance to do anything.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct AgentProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
