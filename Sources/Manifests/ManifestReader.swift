import Foundation
import Yams

/// One YAML or JSON document, with where it came from for messages ("dir/app.yaml#2", "list.yaml#1 items[3]").
public struct ManifestDocument {
    public var source: String
    public var node: Node
    /// How many nodes the document may stand for once its aliases are expanded (see `decode()`).
    var nodeBudget: Int
    /// False when the text has no `*`, so no alias.
    var mayHaveAliases = true
}

/// A manifest that cannot be read or parsed, or an object in it that is invalid.
public struct ManifestError: Error, CustomStringConvertible, Sendable {
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

    /// Takes each document in order: its source, spelled out only when asked (for a message or a note),
    /// and what it loaded as.
    public typealias LoadedDocumentBody = (_ source: () -> String, _ loaded: Result<LoadedDocument, ManifestError>) -> Void

    /// Every object of every file, decoded and validated one at a time and handed to `body` in order; a path
    /// or file that cannot be read or parsed is one failure, named by its path. JSON goes straight to the
    /// typed objects (`JSONManifest`), YAML through JSON (`YAMLManifest`), anything else they decline
    /// through YAML nodes. With `tentative`, a large YAML file's objects go to `body` while the rest of it is
    /// still parsed, and may be taken back (`TentativeObjects`). `upcoming` is told how many objects a large
    /// JSON List holds before the first of them comes, so that whoever keeps them can make room at once.
    public static func forEachDocument(paths: [String], tentative: ((TentativeObjects) -> Void)? = nil,
                                       upcoming: ((Int) -> Void)? = nil, _ body: LoadedDocumentBody) {
        var files: [Result<String, ManifestError>] = []
        for path in paths {
            do { files += try self.files(at: path).map { .success($0) } } catch { files.append(.failure(error)) }
        }
        // While one file is read, the next, if it is a large YAML file, is parsed ahead on a thread of its own.
        func read(_ index: Int) -> Result<ManifestFile, ManifestError>? {
            files.indices.contains(index) ? files[index].flatMap { path in Result { () throws(ManifestError) in try ManifestFile(path) } } : nil
        }
        var next = read(0)
        for index in files.indices {
            let file = next!
            next = read(index + 1)
            do {
                try forEachDocument(file: file.get(), tentative: tentative, upcoming: upcoming, body)
            } catch {
                body({ error.source }, .failure(error))
            }
        }
    }

    /// A file's bytes, mapped, and a large YAML file's transcoding, started ahead of its turn.
    private struct ManifestFile {
        let path: String
        let data: Data
        let ahead: YAMLManifest.TranscodedBatches?

        init(_ path: String) throws(ManifestError) {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
                throw ManifestError(source: path, message: "cannot read file")
            }
            (self.path, self.data, ahead) = (path, data, YAMLManifest.transcodingAhead(of: data))
        }
    }

    private static func forEachDocument(file: ManifestFile, tentative: ((TentativeObjects) -> Void)?, upcoming: ((Int) -> Void)?,
                                        _ body: LoadedDocumentBody) throws(ManifestError) {
        // Ends the transcoding ahead if the fast path did not take it.
        defer { file.ahead?.stop() }
        if JSONManifest.forEachObject(in: file.data, file: file.path, upcoming: upcoming, body) { return }
        if YAMLManifest.forEachObject(in: file.data, file: file.path, tentative: tentative, ahead: file.ahead,
                                      { source, loaded in body({ source }, .success(loaded)) }) {
            return
        }
        try forEachComposedDocument(in: file.data, file: file.path) { source, decoded in
            body({ source }, decoded.map(LoadedDocument.init(validating:)))
        }
    }

    /// Today's YAML path, which every file the fast paths decline takes: each document composed by Yams,
    /// then decoded from its nodes, with the messages `ManifestMessageTests` pins.
    public static func forEachComposedDocument(in data: Data, file: String,
                                               _ body: (String, Result<DecodedDocument, ManifestError>) -> Void) throws(ManifestError) {
        try documents(in: try text(of: data, file: file), source: file) { document in
            body(document.source, Result { () throws(ManifestError) in try document.decode() })
        }
    }

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
        return try parse(try text(of: data, file: file), source: file)
    }

    private static func text(of data: Data, file: String) throws(ManifestError) -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(source: file, message: "not UTF-8 text")
        }
        return text
    }

    public static func parse(_ text: String, source: String) throws(ManifestError) -> [ManifestDocument] {
        var documents: [ManifestDocument] = []
        try self.documents(in: text, source: source) { documents.append($0) }
        return documents
    }

    /// Each document of a YAML stream, a List's items one by one, as libyaml composes them.
    static func documents(in text: String, source: String, _ body: (ManifestDocument) -> Void) throws(ManifestError) {
        // A JSON or YAML node takes two bytes or more, so only aliases make a document stand for more
        // nodes than its file has bytes; this leaves room for them in small files too. Aliases nested
        // ten deep stand for billions ("billion laughs"): sigs.k8s.io/yaml refuses such documents too
        // (go-yaml decode.go, allowedAliasRatio, which allows any aliasing up to 400,000 nodes).
        let nodeBudget = max(text.utf8.count, 100_000)
        let mayHaveAliases = text.utf8.contains(UInt8(ascii: "*"))
        do {
            var number = 0
            var nodes = try Yams.compose_all(yaml: text)
            while let node = nodes.next() {
                number += 1
                let documentSource = "\(source)#\(number)"
                if let kind = YAMLValue.text(of: YAMLValue.lookup("kind", in: node)), kind.hasSuffix("List") {
                    for (position, item) in (YAMLValue.lookup("items", in: node)?.sequence ?? []).enumerated() {
                        body(ManifestDocument(source: "\(documentSource) items[\(position)]", node: item, nodeBudget: nodeBudget,
                                              mayHaveAliases: mayHaveAliases))
                    }
                } else {
                    body(ManifestDocument(source: documentSource, node: node, nodeBudget: nodeBudget, mayHaveAliases: mayHaveAliases))
                }
            }
            // A syntax error ends the sequence early, as if the text ended there; the error waits in it.
            if let error = nodes.error { throw error }
        } catch {
            throw ManifestError(source: source, message: "unparsable YAML: \(error)")
        }
    }
}
