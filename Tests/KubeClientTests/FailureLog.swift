import KubeClient
import Synchronization
import TestSupport

/// Records what reflectors report as failed requests ("pods: <error>"), for assertions.
final class FailureLog: Sendable {
    private let entries = Mutex<[String]>([])

    var hooks: ReflectorHooks {
        var hooks = ReflectorHooks()
        hooks.requestFailed = { [self] resource, error in entries.withLock { $0.append("\(resource): \(error)") } }
        return hooks
    }

    var all: [String] { entries.withLock { $0 } }

    /// Polls until `condition` holds for the failures so far.
    func wait(timeout: Duration = .seconds(10), until condition: ([String]) -> Bool) -> Bool {
        eventually(within: timeout) { condition(all) }
    }
}
