import ArgumentParser
import Logging

/// The agent's flags for metrics, health and logs; the agent embeds them with `@OptionGroup`.
public struct ObservabilityOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("Address of the HTTP endpoints /metrics, /healthz and /readyz.", valueName: "host:port"))
    public var metricsAddress: ListenAddress = .default

    @Option(help: "Log format on stderr: text, or json (one object per line).")
    public var logFormat: LogFormat = .text

    @Option(help: ArgumentHelp("Lowest level logged: trace, debug, info, notice, warning, error, critical. (default: info)",
                               valueName: "level"),
            transform: Self.parseLevel)
    public var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("/healthz fails once programming the kernel has failed for this long: 500ms, 90s, 5m, 1h; "
                               + "0 = never. (default: \(HealthThresholds().applyFailure.components.seconds)s)", valueName: "duration"),
            transform: Self.parseDuration)
    public var applyFailureTimeout: Duration = HealthThresholds().applyFailure

    @Option(help: ArgumentHelp("/healthz fails once a watched resource's API calls have failed for this long; 0 = never. "
                               + "(default: \(HealthThresholds().apiUnreachable.components.seconds)s)", valueName: "duration"),
            transform: Self.parseDuration)
    public var apiUnreachableTimeout: Duration = HealthThresholds().apiUnreachable

    public init() {}

    public var healthThresholds: HealthThresholds {
        HealthThresholds(applyFailure: applyFailureTimeout, apiUnreachable: apiUnreachableTimeout)
    }

    /// Installs the log handler these options choose, for the whole process (once).
    public func bootstrapLogging() {
        LoggingSetup.bootstrap(format: logFormat, level: logLevel)
    }

    static func parseLevel(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("unknown log level '\(text)'")
        }
        return level
    }

    /// Accepts a number with a unit (ms, s, m, h) or a bare number of seconds.
    public static func parseDuration(_ text: String) throws -> Duration {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else {
            throw ValidationError("invalid duration '\(text)': expected e.g. 500ms, 90s, 5m, 1h")
        }
        return .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
    }
}

extension ListenAddress: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}
