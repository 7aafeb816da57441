import Foundation
import Yams

/// One YAML or JSON document, with where it came from for messages ("dir/app.yaml#2", "list.yaml#1 items[3]").
public struct ManifestDocument {
    public var source: String
    public var node: Node
    /// How many nodes the document may stand for once its aliases are expanded (see `decode()`).
    var nodeBudget: Int
}

/// A manifest that cannot be read or parsed, or an object in it that is invalid.
public struct ManifestError: Error, CustomStringConvertible {
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}

/// Reads Kubernetes manifests: files or directories (every .yaml, .yml and .json in them, sorted),
/// each holding one object, several YAML documents, or a `kind: List`.
public enum ManifestReader {
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    public static func read(paths: [String]) throws(ManifestError) -> [ManifestDocument] {
        var documents: [ManifestDocument] = []
        for path in paths {
            for file in try files(at: path) {
                documents += try read(file: file)
            }
        }
        return documents
    }

    static func files(at path: String) throws(ManifestError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ManifestError(source: path, message: "no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw ManifestError(source: path, message: "cannot list directory")
        }
        return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            .map { (path as NSString).appendingPathComponent($0) }
    }

    public static func read(file: String) throws(ManifestError) -> [ManifestDocument] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ManifestError(source: file, message: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(source: file, message: "not UTF-8 text")
        }
        return try parse(text, source: file)
    }

    public static func parse(_ text: String, source: String) throws(ManifestError) -> [ManifestDocument] {
        var documents: [ManifestDocument] = []
        // A JSON or YAML node takes two bytes or more, so only aliases make a document stand for more
        // nodes than its file has bytes; this leaves room for them in small files too. Aliases nested
        // ten deep stand for billions ("billion laughs"): sigs.k8s.io/yaml refuses such documents too
        // (go-yaml decode.go, allowedAliasRatio, which allows any aliasing up to 400,000 nodes).
        let nodeBudget = max(text.utf8.count, 100_000)
        do {
            var number = 0
            var nodes = try Yams.compose_all(yaml: text)
            while let node = nodes.next() {
                number += 1
                let documentSource = "\(source)#\(number)"
                if node.mapping?["kind"]?.string == "List" || node.mapping?["kind"]?.string?.hasSuffix("List") == true {
                    for (position, item) in (node.mapping?["items"]?.sequence ?? []).enumerated() {
                        documents.append(ManifestDocument(source: "\(documentSource) items[\(position)]", node: item, nodeBudget: nodeBudget))
                    }
                } else {
                    documents.append(ManifestDocument(source: documentSource, node: node, nodeBudget: nodeBudget))
                }
            }
            // A syntax error ends the sequence early, as if the text ended there; the error waits in it.
            if let error = nodes.error { throw error }
        } catch {
            throw ManifestError(source: source, message: "unparsable YAML: \(error)")
        }
        return documents
    }
}
