import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import NftNetlink
import Ruleset
import Synchronization

/// Pod adds on a busy node: a neighbour thread, with a netlink socket of its own, commits a small
/// change to its own table every 100 ms (as kube-proxy does), beside the same loop on a quiet node, in
/// the same run, with nf_tables notifications; then the same busy loop without notifications (every
/// foreign commit costs a read-back), shorter; then how long a foreign rule in the agent's table lives.
func busyNode(pods: Int, policies: Int, adds: Int = 200, runs: Int = 3) throws {
    let cluster = SyntheticCluster.make(pods: pods, policies: policies)
    var compiler = cluster.loadedCompiler(node: "node-0")
    let namespace = try ScratchNamespace()
    let tableName = compiler.ruleset().table.name
    print("busy node, \(pods) pods, \(policies) policies: a pod on another node added (compile + diff + batch + ACK), "
          + "a neighbour committing to its own table every 100 ms; medians of \(runs) runs:")
    let listening = try KernelProgrammer(tableName: tableName, netns: namespace.name)
    let listener = try listening.listen()
    try listening.apply(compiler.ruleset())

    var figures: [String: [PodAddFigures]] = [:]
    var removals: [Double] = [], resyncs: [Double] = [], blindFailures: [String] = []
    for run in 0..<runs {
        figures["quiet", default: []].append(try podAdds(adds, run: run, cluster: cluster, compiler: &compiler, programmer: listening))
        // Without notifications: every apply after a neighbour's commit reads the whole table back.
        let blind = try KernelProgrammer(tableName: tableName, netns: namespace.name)
        try blind.apply(compiler.ruleset())
        let neighbour = NeighbourThread(netns: namespace.name)
        figures["busy", default: []].append(try podAdds(adds, run: run, cluster: cluster, compiler: &compiler, programmer: listening))
        // The periodic resync (the same ruleset again) reads back even here: only foreign touches of the table restart it.
        resyncs.append(try milliseconds {
            let report = try listening.apply(compiler.ruleset())
            precondition(report.readBack == .resync, "expected a resync read-back")
        })
        do {
            figures["busy, no notifications", default: []].append(try podAdds(adds / 20, run: run, cluster: cluster, compiler: &compiler,
                                                                            programmer: blind))
        } catch {
            blindFailures.append("\(error)")
        }
        neighbour.stop()
        try listening.apply(compiler.ruleset())
        removals += try (0..<5).map { _ in try foreignRuleLifetime(namespace, table: tableName, programmer: listening, listener: listener) }
    }
    for failure in blindFailures { print("  busy, no notifications: an apply failed: \(failure)") }
    for label in ["quiet", "busy", "busy, no notifications"] {
        guard let runs = figures[label] else { continue }
        print(String(format: "  %@: pod add median %.2f ms, p99 %.2f ms (%d adds per run); read-backs %.0f, neighbour commits %.0f per run",
                     label, median(runs.map(\.median)), median(runs.map(\.p99)), runs[0].adds, median(runs.map(\.readBacks)),
                     median(runs.map(\.neighbourCommits))))
    }
    print(String(format: "  busy: resync read-back (whole table) with notifications: median %.0f ms (%d)", median(resyncs), resyncs.count))
    print(String(format: "  foreign rule in the agent's table (`nft add rule`, process start included) until the repair's ACK: "
                 + "median %.1f ms, max %.1f ms (%d)", median(removals), removals.max() ?? 0, removals.count))
}

private struct PodAddFigures {
    var adds: Int
    var median: Double
    var p99: Double
    var readBacks: Double
    var neighbourCommits: Double
}

/// `count` pods added one at a time, 10 ms apart, each removed again (untimed); read-backs counted over both.
private func podAdds(_ count: Int, run: Int, cluster: ClusterState, compiler: inout NodeCompiler,
                     programmer: KernelProgrammer) throws -> PodAddFigures {
    var times: [Double] = [], readBacks = 0
    NeighbourThread.commits.store(0, ordering: .relaxed)
    for sample in 0..<count {
        var pod = cluster.pods[(sample * 997 + run) % cluster.pods.count]
        pod.name = "busy-\(run)-\(sample)"
        pod.nodeName = "node-7"
        pod.addresses = [.v4(0x0b00_0000 + UInt32(sample)), .v6(UInt128(0xfd01) << 112 + UInt128(sample))]
        times.append(try milliseconds {
            compiler.upsert(pod)
            if try programmer.apply(compiler.ruleset()).readBack != nil { readBacks += 1 }
        })
        compiler.removePod(pod.reference)
        if try programmer.apply(compiler.ruleset()).readBack != nil { readBacks += 1 }
        // Spread the adds over the neighbour's commits: most of them follow one.
        Thread.sleep(forTimeInterval: 0.01)
    }
    let sorted = times.sorted()
    return PodAddFigures(adds: count, median: median(times), p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
                         readBacks: Double(readBacks), neighbourCommits: Double(NeighbourThread.commits.exchange(0, ordering: .relaxed)))
}

/// From starting `nft add rule inet TABLE forward_hook accept` to the ACK of the repair its
/// notification triggered: what the agent's repair thread does (wait, drain, repair).
private func foreignRuleLifetime(_ namespace: ScratchNamespace, table: String, programmer: KernelProgrammer,
                                 listener: NftEventListener) throws -> Double {
    let expected = programmer.lastApplied!.normalized
    let started = DispatchTime.now().uptimeNanoseconds
    _ = try spawn(["ip", "netns", "exec", namespace.name, "nft", "add", "rule", "inet", table, "forward_hook", "accept"])
    var report: ApplyReport?
    while report == nil {
        _ = listener.wait(milliseconds: 1000)
        report = try programmer.repairForeignChanges()
    }
    let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    precondition(report!.readBack == nil && report!.kind == .delta, "expected a targeted repair, got \(report!)")
    let kernel = try programmer.readBack()?.normalized
    precondition(kernel == expected, "the foreign rule is still there")
    return took
}

/// A neighbour in the agent's namespace committing to `inet other` every 100 ms from a thread of its
/// own (its own netlink socket): each commit adds or deletes a chain.
private final class NeighbourThread: Sendable {
    static let commits = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(netns: String) {
        Thread { [self] in
            let table = TableIdentity(name: "other")
            let connection = try! NftConnection(netns: netns)
            try! connection.commit([.addTable(comment: nil)], table: table)
            var present = false
            while !stopped.load(ordering: .relaxed) {
                try! connection.commit([present ? .deleteChain("c") : .addChain(Chain(name: "c"))], table: table)
                present.toggle()
                Self.commits.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.1)
            }
            finished.signal()
        }.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }
}
