import Foundation
import NftNetlink
import Ruleset

/// `--once`: program the current network namespace with a ruleset and report what was sent. The
/// programmer reads the table back first, so a second run sends only the difference.
enum ManifestApply {
    static func program(_ ruleset: Ruleset) throws {
        let report = try KernelAccess.attempt {
            try KernelProgrammer(tableName: ruleset.table.name).apply(ruleset)
        }
        let what: String
        switch report.kind {
        case .unchanged: what = "already in force: nothing sent"
        case .delta: what = "applied the difference: \(report.operations.count) operations in one transaction"
        case .full: what = "replaced the table: \(report.operations.count) operations in one transaction (\(report.reason))"
        }
        FileHandle.standardError.write(Data("table inet \(ruleset.table.name): \(what)\n".utf8))
    }
}
