import Logging
import Synchronization

/// A logger whose lines a test reads back, each as "level: message".
final class LogLines: Sendable {
    private let recorded = Mutex<[String]>([])

    var lines: [String] { recorded.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Recorder(log: self) }
    }

    private struct Recorder: LogHandler {
        let log: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            log.recorded.withLock { $0.append("\(level): \(message)") }
        }
    }
}
