import Foundation
import NftNetlink
import Ruleset

// Netlink (libnftnl batch) against `nft -f` on the same rulesets, in a scratch network namespace.
// Without arguments every scenario runs in a child process of its own, so each reports its own peak RSS.

let scenarios: [String: () throws -> Void] = [
    "full-large": { try fullApply(.large, label: "large: 1,000 sets × 100 pods + 2 maps × 10,000, 4,000 chains × 5 rules") },
    "full-calico": { try fullApply(.calico, label: "Calico shape: 2,000 sets × 100 + 2 maps × 2,000, 2,000 chains × 10 rules") },
    "one-pod": { try onePod(.calico) },
    "cluster": { try agentPath(pods: 100_000, policies: 10_000) },
    "cluster-cnp": { try agentPath(pods: 100_000, policies: 10_000, clusterPolicies: 1_000) },
    "packet-cost": { try packetCost() },
    "revocation": { try revocationPass() },
    "busy": { try busyNode(pods: 100_000, policies: 10_000) },
    "new-group-commit": { try newGroupCommit(pods: 100_000, policies: 10_000) },
    "new-group-floor": { try newGroupFloor(pods: 100_000, policies: 10_000) },
]
let order = ["full-large", "full-calico", "one-pod", "cluster", "cluster-cnp", "packet-cost", "revocation", "busy", "new-group-commit", "new-group-floor"]

if CommandLine.arguments.count > 1 {
    guard let scenario = scenarios[CommandLine.arguments[1]] else { fatalError("scenarios: \(order)") }
    try scenario()
    print(String(format: "  peak RSS of the netlink process: %.0f MiB", peakRSS()))
} else {
    for name in order {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = [name]
        try child.run()
        child.waitUntilExit()
    }
}

/// The whole table, `runs` times each way; every run replaces the table the previous one left.
func fullApply(_ shape: SyntheticRuleset, label: String, runs: Int = 5) throws {
    print("\(label) (\(shape.elementCount) elements, \(shape.ruleCount) rules), medians of \(runs):")
    let namespace = try ScratchNamespace()
    let ruleset = shape.ruleset()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("netlink-bench-\(getpid()).nft").path
    try NftTextRenderer.render(ruleset).write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }

    var diff: [Double] = [], netlink: [Double] = [], user: [Double] = [], system: [Double] = [], messages = 0, bytes = 0
    for _ in 0..<runs {
        diff.append(milliseconds { _ = RulesetDiff.replacement(ruleset) })
        let programmer = try KernelProgrammer(tableName: "bench", netns: namespace.name)
        // A programmer takes over a table an earlier run left; remove it so every run is a full apply.
        _ = try programmer.removeTable()
        let before = cpuTime()
        netlink.append(try milliseconds {
            let commit = try programmer.apply(ruleset).commit
            (messages, bytes) = (commit?.messages ?? 0, commit?.bytes ?? 0)
        })
        let after = cpuTime()
        user.append(after.user - before.user)
        system.append(after.system - before.system)
    }
    let reader = try KernelProgrammer(tableName: "bench", netns: namespace.name)
    let readBack = try (0..<3).map { _ in try milliseconds { _ = try reader.readBack() } }
    let nft = try (0..<runs).map { _ in try namespace.loadWithNft(path) }
    let overhead = try namespace.execOverhead()
    print(String(format: "  netlink apply: %.1f ms (CPU: %.0f ms building and sending, %.0f ms in the kernel; operations %.1f ms; "
                 + "%d messages, %.1f MB in one batch)", median(netlink), median(user), median(system), median(diff), messages,
                 Double(bytes) / 1e6))
    print(String(format: "  read back through netlink dumps (drift check): %.1f ms", median(readBack)))
    print(String(format: "  nft -f:        %.1f ms wall, %.1f ms without `ip netns exec` (%.1f ms); nft peak RSS %.0f MiB",
                 median(nft.map(\.milliseconds)), median(nft.map(\.milliseconds)) - overhead, overhead,
                 nft.map(\.peakRSS).max() ?? 0))
}

/// One pod added to (then removed from) a set, end to end: generation check, diff, batch, ACK.
func onePod(_ shape: SyntheticRuleset, runs: Int = 40) throws {
    print("one pod added/removed at Calico scale (\(shape.elementCount) elements), medians of \(runs):")
    let namespace = try ScratchNamespace()
    let programmer = try KernelProgrammer(tableName: "bench", netns: namespace.name)
    let base = shape.ruleset()
    try programmer.apply(base)

    // The agent recompiles: the new ruleset shares no storage with the old one.
    var recompiled: [Double] = [], diffOnly: [Double] = []
    for run in 0..<runs {
        let next = shape.ruleset(extraPod: run % 2 == 0)
        // Held until after the timing: freeing the old model is the caller's cost, not the transaction's.
        let previous = programmer.lastApplied!
        diffOnly.append(milliseconds { _ = RulesetDiff.operations(from: previous, to: next) })
        recompiled.append(try milliseconds {
            let report = try programmer.apply(next)
            precondition(report.kind == .delta && report.operations.count == 1, "expected a one-element delta")
        })
        withExtendedLifetime(previous) {}
    }
    // The agent edits its model in place: unchanged sets share storage, so the diff skips them at once.
    var edited: [Double] = []
    for run in 0..<runs {
        var next = programmer.lastApplied!
        let pod = SetElement(key: [.address(.v4(0x0afe_0001))])
        if run % 2 == 0 {
            next.table.sets[0].elements.insert(pod)
        } else {
            next.table.sets[0].elements.remove(pod)
        }
        edited.append(try milliseconds { try programmer.apply(next) })
    }
    let connection = try NftConnection(netns: namespace.name)
    let generation = median(try (0..<runs).map { _ in try milliseconds { _ = try connection.generation() } })

    let path = FileManager.default.temporaryDirectory.appendingPathComponent("netlink-bench-\(getpid())-pod.nft").path
    try "add element inet bench pods_0_v4 { 10.254.0.2 }\ndelete element inet bench pods_0_v4 { 10.254.0.2 }\n"
        .write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let nft = try (0..<10).map { _ in try namespace.loadWithNft(path).milliseconds }
    let overhead = try namespace.execOverhead()

    print(String(format: "  netlink, recompiled model: %.2f ms end to end (of which the diff %.2f ms)", median(recompiled), median(diffOnly)))
    print(String(format: "  netlink, model edited in place: %.2f ms end to end (GETGEN round trip alone %.3f ms)",
                 median(edited), generation))
    print(String(format: "  nft -f (add + delete one element): %.1f ms wall, %.1f ms without `ip netns exec`",
                 median(nft), median(nft) - overhead))
}
