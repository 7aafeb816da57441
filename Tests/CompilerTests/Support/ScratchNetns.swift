// Shared by CompilerTests and PropertyTests (Tests/PropertyTests/Support holds a symlink to this file).
import Foundation
import Glibc

/// A network namespace of our own for `nft -c -f`: `nft -c` still sends the batch to the kernel (which
/// checks and aborts it), so it is only ever run inside a namespace this helper created, never the
/// root namespace. `remove()` belongs in a `defer` right after `create()`.
struct ScratchNetns {
    let name: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func create(tag: String) throws -> ScratchNetns {
        guard hasNetAdmin() else {
            throw Failure(description: "these tests load rulesets with `nft -c -f` inside a scratch network namespace they create, "
                          + "which needs root or CAP_NET_ADMIN + CAP_SYS_ADMIN (running as uid \(geteuid()))")
        }
        let name = "nptest-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let result = try run(["ip", "netns", "add", name])
        guard result.status == 0 else { throw Failure(description: "ip netns add \(name) failed: \(result.stderr)") }
        return ScratchNetns(name: name)
    }

    func remove() {
        _ = try? ScratchNetns.run(["ip", "netns", "delete", name])
    }

    /// `nft -c -f file` inside the namespace.
    func check(file: String) throws -> (ok: Bool, output: String) {
        let result = try ScratchNetns.run(["ip", "netns", "exec", name, "nft", "-c", "-f", file])
        return (result.status == 0, result.stdout + result.stderr)
    }

    /// `nft -c -f` on each file with one `ip netns exec` (one shell loop): the files that fail, with nft's output.
    func check(files: [String]) throws -> [String: String] {
        let script = """
        for f in "$@"; do
          if ! out=$(nft -c -f "$f" 2>&1); then printf '%s\\0%s\\0' "$f" "$out"; fi
        done
        """
        let result = try ScratchNetns.run(["ip", "netns", "exec", name, "sh", "-c", script, "sh"] + files)
        let fields = result.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        var failures: [String: String] = [:]
        var index = 0
        while index + 1 < fields.count {
            failures[fields[index]] = fields[index + 1]
            index += 2
        }
        if result.status != 0 && failures.isEmpty {
            throw Failure(description: "nft check loop failed (status \(result.status)): \(result.stderr)")
        }
        return failures
    }

    static func hasNetAdmin() -> Bool {
        if geteuid() == 0 { return true }
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return false }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
            return mask & (1 << 12) != 0 && mask & (1 << 21) != 0
        }
        return false
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot stall the child.
        let errBox = DataBox()
        let errHandle = err.fileHandleForReading
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = errHandle.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}
