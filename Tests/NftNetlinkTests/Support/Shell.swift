import Foundation

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a program to completion; a non-zero exit is an error carrying its stderr. Output goes through
/// temporary files, so a large listing cannot block the child on a full pipe.
@discardableResult
func run(_ arguments: [String], input: String? = nil) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nftnl-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = ["in", "out", "err"].map { directory.appendingPathComponent($0) }
    try Data((input ?? "").utf8).write(to: paths[0])
    _ = FileManager.default.createFile(atPath: paths[1].path, contents: nil)
    _ = FileManager.default.createFile(atPath: paths[2].path, contents: nil)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: paths[0])
    process.standardOutput = try FileHandle(forWritingTo: paths[1])
    process.standardError = try FileHandle(forWritingTo: paths[2])
    try process.run()
    process.waitUntilExit()
    let output = try String(contentsOf: paths[1], encoding: .utf8)
    guard process.terminationStatus == 0 else {
        let errors = (try? String(contentsOf: paths[2], encoding: .utf8)) ?? ""
        throw CommandFailure(description: "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(errors)")
    }
    return output
}
