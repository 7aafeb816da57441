import Foundation

/// Runs this benchmark again inside a network namespace of its own, then deletes the namespace.
enum NamespaceRun {
    static func run(namespace: String, arguments: [String], marker: String) throws -> Int32 {
        try command(["ip", "netns", "add", namespace])
        defer { _ = try? command(["ip", "netns", "delete", namespace]) }
        try command(["ip", "-n", namespace, "link", "set", "lo", "up"])
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [marker + "=1", "ip", "netns", "exec", namespace, executable] + arguments.dropFirst()
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @discardableResult
    private static func command(_ argv: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkError("\(argv.joined(separator: " ")) failed") }
        return process.terminationStatus
    }
}
