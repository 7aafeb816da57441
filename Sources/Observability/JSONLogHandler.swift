import Foundation
import Logging

/// Writes each log event as one JSON object on one line:
/// `{"timestamp":"2026-01-02T03:04:05.678Z","level":"info","label":"netpol-agent","message":"…","metadata":{…}}`,
/// plus `"error"` when the event carries one. No listed package provides such a handler.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let write: @Sendable (String) -> Void

    /// - Parameter write: receives each line, newline included; stderr by default.
    public init(label: String, level: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        merged.merge(metadataProvider?.get() ?? [:]) { $1 }
        merged.merge(event.metadata ?? [:]) { $1 }
        let line = Line(
            timestamp: Date.now.formatted(Self.timestampStyle),
            level: event.level.rawValue,
            label: label,
            message: event.message.description,
            metadata: merged.mapValues(MetadataJSON.init),
            error: event.error.map { String(describing: $0) }
        )
        // Encoding plain strings, arrays and dictionaries cannot fail.
        guard let data = try? Self.encoder.encode(line) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    private struct Line: Encodable {
        var timestamp: String
        var level: String
        var label: String
        var message: String
        var metadata: [String: MetadataJSON]
        var error: String?
    }

    /// swift-log metadata as JSON: strings, arrays and objects; other values by their description.
    private enum MetadataJSON: Encodable {
        case string(String)
        case array([MetadataJSON])
        case object([String: MetadataJSON])

        init(_ value: Logger.Metadata.Value) {
            switch value {
            case .string(let string): self = .string(string)
            case .stringConvertible(let convertible): self = .string(convertible.description)
            case .array(let values): self = .array(values.map(MetadataJSON.init))
            case .dictionary(let values): self = .object(values.mapValues(MetadataJSON.init))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let string): try container.encode(string)
            case .array(let values): try container.encode(values)
            case .object(let values): try container.encode(values)
            }
        }
    }
}
