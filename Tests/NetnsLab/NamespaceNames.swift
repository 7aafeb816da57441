import Foundation
import Glibc

/// Names of the namespaces a lab owns: "npl<pid>-<random>-n<k>" for nodes and
/// "npl<pid>-<random>-p<i>" for pods, "npl<pid>-<random>-c" for the external client. The pid lets `removeStale` find leftovers of
/// crashed test runs; the random part keeps concurrent labs of one process apart.
struct NamespaceNames: Sendable {
    static let prefix = "npl"

    let stem: String

    init() {
        stem = "\(Self.prefix)\(getpid())-\(String(UInt32.random(in: 0...0xffff_ff), radix: 16))"
    }

    func node(_ k: Int) -> String { "\(stem)-n\(k)" }
    func pod(_ index: Int) -> String { "\(stem)-p\(index)" }
    var client: String { "\(stem)-c" }

    /// Namespace names currently bind-mounted by `ip netns add`.
    static func existing() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: NetworkNamespace.directory)) ?? []
    }

    /// The pid encoded in one of our names, or nil for anyone else's namespace.
    static func creatorPID(of name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
        guard !digits.isEmpty, name.dropFirst(prefix.count + digits.count).first == "-" else { return nil }
        return pid_t(digits)
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Deletes namespaces; `-force` keeps going past ones already gone.
    static func delete(_ names: [String]) {
        guard !names.isEmpty else { return }
        _ = try? Command.run(["ip", "-force", "-batch", "-"], stdin: names.map { "netns delete \($0)\n" }.joined())
    }
}
