import Foundation
import Synchronization

/// Reads an agent's log (its standard error) to the end, and notes the line its first sync ends with
/// (the Reconciler's `synced: …; memory trimmed`, after the table is in the kernel and freed memory is
/// given back): where its resident memory and CPU time are read. Agents older than that line never say it.
final class SyncedLine: Sendable {
    let pipe = Pipe()
    private let seen = Atomic(false)

    static let marker = Data("synced: ".utf8)

    var isSeen: Bool { seen.load(ordering: .acquiring) }

    /// Starts reading; call once the agent runs. Reading goes on to the end, so the agent never blocks on a full pipe.
    func startReading() {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                guard !chunk.isEmpty else { return }
                guard !isSeen else { continue }
                pending.append(chunk)
                if pending.range(of: Self.marker) != nil { seen.store(true, ordering: .releasing) }
                // Keep only what could be the start of the marker.
                if pending.count > Self.marker.count { pending = pending.suffix(Self.marker.count) }
            }
        }
    }
}
