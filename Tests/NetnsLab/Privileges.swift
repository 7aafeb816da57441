import Foundation
import Glibc

/// Kernel tests need to create namespaces (CAP_SYS_ADMIN) and program them
/// (CAP_NET_ADMIN). Without them a lab refuses to exist, loudly.
enum Privileges {
    private static let capNetAdmin = 12
    private static let capSysAdmin = 21

    static func check() throws {
        let effective = effectiveCapabilities()
        let missing = [(capNetAdmin, "CAP_NET_ADMIN"), (capSysAdmin, "CAP_SYS_ADMIN")]
            .filter { effective & (1 << UInt64($0.0)) == 0 }.map(\.1)
        guard missing.isEmpty else {
            throw LabError.notPrivileged("running as uid \(geteuid()) without \(missing.joined(separator: ", ")) (CapEff \(String(effective, radix: 16)))")
        }
    }

    /// CapEff from /proc/self/status; 0 if unreadable, which then reads as "missing".
    private static func effectiveCapabilities() -> UInt64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
        }
        return 0
    }

    /// Turns a permission failure of `ip netns add` into the clear error tests expect.
    static func classify(_ error: any Error) -> any Error {
        guard case LabError.commandFailed(_, _, let stderr) = error,
              stderr.contains("Operation not permitted") || stderr.contains("Permission denied") else { return error }
        return LabError.notPrivileged(stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
