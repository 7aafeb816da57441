import ArgumentParser
import Logging

public enum LogFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// swift-log's stream handler: readable in a terminal and in the journal.
    case text
    /// One JSON object per line, for log collectors.
    case json

    public func makeHandler(label: String, level: Logger.Level) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            return JSONLogHandler(label: label, level: level)
        }
    }
}

public enum LoggingSetup {
    /// Installs the handler for every logger of the process; swift-log allows this once.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in format.makeHandler(label: label, level: level) }
    }
}
