import Foundation
import Yams

/// A case read from a YAML file of Cases/ that remembers the file, for messages.
protocol CaseFile: Decodable {
    var name: String { get }
    var file: String { get set }
}

extension CaseFile {
    var fileAndName: String { "\(URL(fileURLWithPath: file).lastPathComponent): \(name)" }

    /// Every case file under Cases/`folder`, in file order.
    static func load(folder: String) throws -> [Self] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases/\(folder)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { name in
            let path = directory.appendingPathComponent(name).path
            var loaded = try YAMLDecoder().decode(Self.self, from: String(contentsOfFile: path, encoding: .utf8))
            loaded.file = path
            return loaded
        }
    }
}
