import Foundation
import Logging
import Observability
import Synchronization
import Testing

@Suite struct LoggingTests {
    final class Lines: Sendable {
        let captured = Mutex<[String]>([])
        var all: [String] { captured.withLock { $0 } }
        func append(_ line: String) { captured.withLock { $0.append(line) } }
    }

    func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        Logger(label: "netpol-agent") { label in
            JSONLogHandler(label: label, level: level, metadataProvider: nil, write: lines.append)
        }
    }

    func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func eachEventIsOneJSONObjectOnOneLine() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "node"] = "node-1"
        logger.warning("apply failed:\n\"EPERM\"", metadata: ["batch": ["messages": "7", "sets": ["a", "b"]]])

        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let json = try object(line)
        #expect(Set(json.keys) == ["timestamp", "level", "label", "message", "metadata"])
        #expect(json["level"] as? String == "warning")
        #expect(json["label"] as? String == "netpol-agent")
        #expect(json["message"] as? String == "apply failed:\n\"EPERM\"")
        let metadata = try #require(json["metadata"] as? [String: Any])
        #expect(metadata["node"] as? String == "node-1")
        let batch = try #require(metadata["batch"] as? [String: Any])
        #expect(batch["messages"] as? String == "7")
        #expect(batch["sets"] as? [String] == ["a", "b"])
        let timestamp = try #require(json["timestamp"] as? String)
        #expect(try Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)).timeIntervalSinceNow.magnitude < 60)
    }

    @Test func belowTheLevelNothingIsWritten() {
        let lines = Lines()
        let logger = logger(lines, level: .notice)
        logger.info("quiet")
        logger.error("loud")
        #expect(lines.all.count == 1)
    }

    @Test func anAttachedErrorIsIncluded() throws {
        struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let lines = Lines()
        logger(lines).error("watch failed", error: Refused())
        #expect(try object(try #require(lines.all.first))["error"] as? String == "connection refused")
    }

    @Test func theFormatChoosesTheHandler() {
        #expect(LogFormat.json.makeHandler(label: "x", level: .debug) is JSONLogHandler)
        #expect(LogFormat.json.makeHandler(label: "x", level: .debug).logLevel == .debug)
        #expect(LogFormat.text.makeHandler(label: "x", level: .error) is StreamLogHandler)
        #expect(LogFormat.text.makeHandler(label: "x", level: .error).logLevel == .error)
    }
}
