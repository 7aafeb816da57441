import Logging
import NftNetlink
import Observability

/// What the kernel programmer found of other programs' changes to the agent's table: a log line per
/// foreign change, and the read-back and repair counters. Repairs from notifications leave the
/// table's counters counting; only a full replace starts them again.
struct ForeignChangeReport: Sendable {
    let table: String
    let logger: Logger
    let metrics: AgentMetrics

    func record(_ report: ApplyReport) {
        if let why = report.readBack {
            metrics.recordTableReadBack(reason: why.rawValue)
            if why == .notificationsLost { logger.warning("nf_tables notifications were lost: table \(table) read back") }
        }
        for change in report.repaired {
            logger.warning("foreign change to table \(table) by \(change); undone")
        }
        if report.readBack == nil, !report.repaired.isEmpty {
            metrics.recordTableRepair(reason: "targeted")
        } else if report.kind == .full, let why = report.readBack, why != .firstApply {
            metrics.recordTableRepair(reason: "replaced")
            logger.warning("table \(table) replaced whole (\(report.reason)); its counters start again from zero")
        }
    }
}
