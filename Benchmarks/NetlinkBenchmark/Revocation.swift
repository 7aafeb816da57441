import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import NftNetlink
import Ruleset

/// One revocation pass with `entries` conntrack entries on the node, against a scan of the whole table.
/// UDP flows between addresses of the namespace's loopback fill the table (each datagram to a new port
/// is a new entry); `affected` of them belong to the local pod a new policy isolates, and that pod's
/// flows are the only ones the pass dumps. Unreplied UDP entries live 30 s: everything runs within that.
func revocationPass(entries: Int = 100_000, affected: Int = 1_000, runs: Int = 5) throws {
    print("revocation pass, \(entries) conntrack entries, \(affected) of them of the isolated pod, medians of \(runs):")
    let namespace = try ScratchNamespace()
    let pod = IPAddress("10.244.0.1")!, clients = (1...100).map { IPAddress.v4(0x0a01_0000 | UInt32($0)) }
    var compiler = NodeCompiler(node: "node-0")
    compiler.upsert(Namespace(name: "bench", labels: [:]))
    compiler.upsert(Pod(namespace: "bench", name: "a", labels: ["app": "a"], nodeName: "node-0", addresses: [pod]))
    let open = compiler.ruleset()
    compiler.upsert(NetworkPolicy(namespace: "bench", name: "deny-a", podSelector: LabelSelector(requirements: [.init(key: "app", op: .in(["a"]))]),
                                  isolatesIngress: true, isolatesEgress: false))
    let isolated = compiler.ruleset()
    // The label rule makes the kernel give new entries room for labels: program before the traffic.
    try KernelProgrammer(tableName: open.table.name, netns: namespace.name).apply(open)
    let filtered = try ConnectionRevoker(labelBit: CompilerOptions.defaultRevocationLabelBit, netns: namespace.name, entriesPerWalk: 0)
    let wholeTable = try ConnectionRevoker(labelBit: CompilerOptions.defaultRevocationLabelBit, netns: namespace.name, entriesPerWalk: 1 << 40)
    let pass = { (revoker: ConnectionRevoker) in try (0..<runs).map { _ in try cpuMilliseconds { _ = try revoker.revoke(previous: open, current: isolated) } } }
    // An empty table: what the walks alone cost.
    let emptyFiltered = median(try pass(filtered)), emptyWhole = median(try pass(wholeTable))
    try fillConntrack(namespace, pod: pod, clients: clients, entries: entries, affected: affected)

    let revoker = try ConnectionRevoker(labelBit: CompilerOptions.defaultRevocationLabelBit, netns: namespace.name)
    var first: RevocationReport?, again: RevocationReport?, scanned: RevocationReport?
    let labelling = try milliseconds { first = try revoker.revoke(previous: open, current: isolated) }
    let targeted = try (0..<runs).map { _ in try milliseconds { again = try revoker.revoke(previous: open, current: isolated) } }
    let whole = try (0..<runs).map { _ in try milliseconds { scanned = try revoker.revokeScanningWholeTable(current: isolated) } }
    print(String(format: "  first pass (dumps, judges and labels): %.1f ms: %d examined, %d revoked", labelling, first!.examined, first!.revoked))
    print(String(format: "  later passes (dumps and judges, all labelled already): %.1f ms: %d examined, %d walks", median(targeted),
                 again!.examined, again!.walks))
    print(String(format: "  whole-table scan for comparison: %.1f ms: %d examined", median(whole), scanned!.examined))

    // Filtered: two walks and the pod's entries; whole table: one walk and every entry.
    let fullFiltered = median(try pass(filtered)), fullWhole = median(try pass(wholeTable))
    let walk = emptyFiltered / 2, perEntry = (fullWhole - emptyWhole - (fullFiltered - emptyFiltered)) / Double(entries)
    print(String(format: "  CPU of a pass, one address: filtered dumps %.1f ms empty, %.1f ms full; one whole-table dump %.1f ms empty, "
                 + "%.1f ms full", emptyFiltered, fullFiltered, emptyWhole, fullWhole))
    print(String(format: "  one walk of the hash %.2f ms, one entry of a whole-table dump %.2f µs: a walk costs %.0f entries "
                 + "(DumpChoice.measuredEntriesPerWalk: %d)", walk, perEntry * 1000, walk / perEntry, DumpChoice.measuredEntriesPerWalk))
}

/// CPU milliseconds of this thread in `body`, the kernel's work on its netlink requests included.
private func cpuMilliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = threadCPUMilliseconds()
    try body()
    return threadCPUMilliseconds() - start
}

/// `entries` UDP flows in the namespace: `affected` from the clients to `pod`, the rest between clients.
private func fillConntrack(_ namespace: ScratchNamespace, pod: IPAddress, clients: [IPAddress], entries: Int, affected: Int) throws {
    for command in [["link", "set", "lo", "up"]] + ([pod] + clients).map({ ["addr", "add", "\($0)/32", "dev", "lo"] }) {
        _ = try spawn(["ip", "-n", namespace.name] + command)
    }
    let script = """
    import socket, sys
    pod, clients, entries, affected = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
    sockets = []
    for client in clients:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((client, 0)); sockets.append(s)
    for n in range(entries):
        source = sockets[n % len(sockets)]
        target = pod if n < affected else clients[(n // len(sockets) + 1 + n % len(sockets)) % len(clients)]
        try:
            source.sendto(b"x", (target, 1024 + n // len(sockets)))
        except OSError:
            pass
    """
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("revocation-bench-\(getpid()).py").path
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let took = try spawn(["ip", "netns", "exec", namespace.name, "python3", path, "\(pod)", clients.map(\.description).joined(separator: ","),
                          "\(entries)", "\(affected)"])
    print(String(format: "  (filled the table in %.0f ms)", took.milliseconds))
}
