import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// An `ObservabilityServer` serving from a background task, for the agent's thread-based code.
public final class RunningObservabilityServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let group: ServiceGroup
    private let stopped = DispatchSemaphore(value: 0)

    init(server: ObservabilityServer, logger: Logger) throws {
        let outcome = Mutex<Result<Int, any Error>?>(nil)
        let settled = DispatchSemaphore(value: 0)
        let listening = server.listening { port in
            outcome.withLock { $0 = $0 ?? .success(port) }
            settled.signal()
        }
        group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [listening], logger: logger))
        Task { [group, stopped] in
            do {
                try await group.run()
            } catch {
                outcome.withLock { $0 = $0 ?? .failure(error) }
                logger.error("HTTP endpoints stopped: \(error)")
            }
            settled.signal()
            stopped.signal()
        }
        settled.wait()
        // No outcome: the group ended without binding or failing, which only a shutdown can cause.
        port = try outcome.withLock { $0 ?? .failure(CancellationError()) }.get()
    }

    /// Stops accepting, lets requests in flight finish, and returns once the listener is closed.
    public func shutdown() {
        Task { [group] in await group.triggerGracefulShutdown() }
        stopped.wait()
        stopped.signal()  // a second shutdown() returns at once
    }
}
