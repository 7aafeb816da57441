import Glibc

/// Everything that can go wrong building or using a lab. Messages name the failing
/// step so a kernel test failure points at the cause, not at a later symptom.
public enum LabError: Error, CustomStringConvertible, Sendable {
    /// No root / CAP_NET_ADMIN: kernel tests must fail loudly, never skip silently.
    case notPrivileged(String)
    case invalidTopology(String)
    case unknownPod(String)
    case commandFailed(command: String, status: Int32, stderr: String)
    case system(call: String, errno: Int32)
    case destroyed

    public var description: String {
        switch self {
        case .notPrivileged(let detail):
            return "kernel tests need root or CAP_NET_ADMIN: \(detail)"
        case .invalidTopology(let detail):
            return "invalid lab topology: \(detail)"
        case .unknownPod(let name):
            return "no pod named \(name) in this lab"
        case .commandFailed(let command, let status, let stderr):
            return "`\(command)` exited with \(status): \(stderr)"
        case .system(let call, let code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        case .destroyed:
            return "the lab was already destroyed"
        }
    }
}

