import Foundation
import Yams

/// The repository's files, found from this source file's path.
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every YAML manifest under deploy/, each document with the file it came from.
    static func manifests() throws -> [(file: String, object: [String: Any])] {
        let deploy = root.appendingPathComponent("deploy").resolvingSymlinksInPath()
        let files = (FileManager.default.enumerator(atPath: deploy.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        return try files.flatMap { file in
            try Yams.load_all(yaml: try text("deploy/" + file)).compactMap { document in
                (document as? [String: Any]).map { ("deploy/" + file, $0) }
            }
        }
    }
}

/// A value inside decoded YAML by a dotted path; numbers index lists: "spec.template.spec.containers.0.name".
func value(_ object: Any?, _ path: String) -> Any? {
    path.split(separator: ".").reduce(object) { current, key in
        if let index = Int(key), let list = current as? [Any] { return list.indices.contains(index) ? list[index] : nil }
        return (current as? [String: Any])?[String(key)]
    }
}
