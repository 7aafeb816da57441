import ArgumentParser
import Foundation
import NftNetlink
import Ruleset

/// `agent cleanup`: remove the agent's table, and with it all enforcement on this node.
struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete the agent's nftables table from this network namespace, and say what it held."
    )

    @Option(name: .long, help: "The nftables table (family inet) the agent owns.")
    var table = "netpol-agent"

    func run() throws {
        let removed = try KernelAccess.attempt { try KernelProgrammer(tableName: table).removeTable() }
        guard let removed else {
            print("table inet \(table): not present, nothing to remove")
            return
        }
        let elements = removed.table.sets.reduce(0) { $0 + $1.elements.count }
        let rules = removed.table.chains.reduce(0) { $0 + $1.rules.count }
        print("removed table inet \(table): \(removed.table.chains.count) chains with \(rules) rules, "
              + "\(removed.table.sets.count) sets and maps with \(elements) elements")
    }
}
