import Foundation
import NftNetlink

/// A network namespace created for one test and deleted after it, whatever happens. Everything that
/// touches nftables in these tests happens in such namespaces, never in the root namespace.
final class ScratchNamespace {
    let name: String

    private init() throws {
        try Self.requirePrivileges()
        name = "nft\(getpid())\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        try run(["ip", "netns", "add", name])
    }

    deinit { _ = try? run(["ip", "netns", "delete", name]) }

    /// Runs `body` with `count` fresh namespaces, deleted afterwards even if `body` throws.
    static func with<T>(_ count: Int = 1, _ body: ([ScratchNamespace]) throws -> T) throws -> T {
        var namespaces: [ScratchNamespace] = []
        defer { namespaces.forEach { _ = try? run(["ip", "netns", "delete", $0.name]) } }
        for _ in 0..<count { namespaces.append(try ScratchNamespace()) }
        return try body(namespaces)
    }

    /// `nft` inside this namespace.
    @discardableResult
    func nft(_ arguments: [String], input: String? = nil) throws -> String {
        try run(["ip", "netns", "exec", name, "nft"] + arguments, input: input)
    }

    /// `nft list table`, normalized for comparison (see `Listing`).
    func listing(_ table: String) throws -> String {
        Listing.normalize(try nft(["list", "table", "inet", table]))
    }

    /// The table's bytecode as the kernel holds it, normalized (see `Listing`).
    func bytecode(_ table: String) throws -> String {
        Listing.normalizeBytecode(try nft(["--debug=netlink", "list", "table", "inet", table]))
    }

    /// The values `nft list counters` shows for the table's counter objects, by name.
    func counterValues(_ table: String) throws -> [String: CounterValues] {
        var values: [String: CounterValues] = [:], name: String?
        for line in try nft(["list", "counters", "table", "inet", table]).split(separator: "\n") {
            let words = line.split(separator: " ").map { $0.trimmingCharacters(in: .whitespaces) }
            if words.first == "counter", words.count == 3 { name = words[1] }
            if words.first == "packets", words.count == 4, let name, let packets = UInt64(words[1]), let bytes = UInt64(words[3]) {
                values[name] = CounterValues(packets: packets, bytes: bytes)
            }
        }
        return values
    }

    /// Sends `count` UDP datagrams to port `port` of the namespace's own loopback, which goes up first.
    func sendLoopbackUDP(count: Int, port: UInt16) throws {
        try run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"])
        try run(["ip", "netns", "exec", name, "bash", "-c", "for i in $(seq \(count)); do echo x > /dev/udp/127.0.0.1/\(port); done"])
    }

    /// Kernel tests must fail, loudly, when they cannot run: never pass or skip silently.
    private static func requirePrivileges() throws {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
        let effective = line.flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        let needed: [(bit: UInt64, name: String)] = [(12, "CAP_NET_ADMIN"), (21, "CAP_SYS_ADMIN")]
        let missing = needed.filter { effective & (1 << $0.bit) == 0 }.map(\.name)
        guard missing.isEmpty else {
            throw CommandFailure(description: "kernel tests need root (missing \(missing.joined(separator: ", "))): "
                + "they create network namespaces and program nftables in them")
        }
    }
}
