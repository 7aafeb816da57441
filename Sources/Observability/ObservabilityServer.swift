import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP endpoints, as a swift-service-lifecycle `Service`:
/// - `GET /metrics`: Prometheus text exposition of `metrics`;
/// - `GET /healthz`: 200 `ok`, or 503 and one line saying why (liveness);
/// - `GET /readyz`: 200 `ok` once the first full sync is applied, else 503 (readiness).
///
/// Run it in a `ServiceGroup`; graceful shutdown stops accepting, finishes the requests in flight and
/// returns. Code without async tasks uses `startInBackground()`.
public struct ObservabilityServer: Service {
    public let address: ListenAddress
    private let metrics: AgentMetrics
    private let health: HealthState
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) -> Void

    /// - Parameter onListening: called once bound, with the port (the kernel's choice when `address.port` is 0).
    public init(address: ListenAddress = .default, metrics: AgentMetrics, health: HealthState,
                logger: Logger = Logger(label: "netpol-agent.http"),
                onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }) {
        self.address = address
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let application = Application(
            router: router(),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { [address, onListening] channel in onListening(channel.localAddress?.port ?? address.port) },
            logger: logger
        )
        try await application.run()
    }

    /// Starts serving on a background task and returns once listening; throws when the address cannot be
    /// bound, so a port conflict stops the agent at startup. Call from a thread, not from a task: it blocks.
    public func startInBackground() throws -> RunningObservabilityServer {
        try RunningObservabilityServer(server: self, logger: logger)
    }

    func listening(_ hook: @escaping @Sendable (_ port: Int) -> Void) -> ObservabilityServer {
        ObservabilityServer(address: address, metrics: metrics, health: health, logger: logger) { [onListening] port in
            onListening(port)
            hook(port)
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("metrics") { [metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
        router.get("healthz") { [health] _, _ in Self.probe(health.liveness) }
        router.get("readyz") { [health] _, _ in Self.probe(health.readiness) }
        return router
    }

    private static func probe(_ status: HealthStatus) -> Response {
        let (code, text): (HTTPResponse.Status, String) = switch status {
        case .ok: (.ok, "ok")
        case .failing(let reason): (.serviceUnavailable, reason)
        }
        return Response(status: code, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
