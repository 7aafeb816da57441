import Foundation
@testable import Manifests

/// What reading one YAML file gives, in order: each object's source with its decoded document or its
/// message, then the file's own error if reading stopped at one.
struct YAMLManifestOutcome: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        var source: String
        var document: DecodedDocument?
        var message: String?
    }

    var entries: [Entry] = []

    /// Today's path: Yams nodes decoded by `NodeDecoder`.
    static func today(_ text: String) -> YAMLManifestOutcome {
        var outcome = YAMLManifestOutcome()
        do {
            try ManifestReader.forEachComposedDocument(in: Data(text.utf8), file: "FILE") { outcome.add($0, $1) }
        } catch {
            outcome.add(error.source, .failure(error))
        }
        return outcome
    }

    /// The fast path, or nil when it hands the file to today's path.
    static func fast(_ text: String) -> YAMLManifestOutcome? {
        var outcome = YAMLManifestOutcome()
        return YAMLManifest.forEachObject(in: Data(text.utf8), file: "FILE") { outcome.add($0, $1) } ? outcome : nil
    }

    /// What `agent --manifests` reads: the fast path, else today's.
    static func read(_ text: String) -> YAMLManifestOutcome {
        fast(text) ?? today(text)
    }

    private mutating func add(_ source: String, _ result: Result<DecodedDocument, ManifestError>) {
        switch result {
        case .success(let document): entries.append(Entry(source: source, document: document))
        case .failure(let error): entries.append(Entry(source: source, message: error.description))
        }
    }

    var description: String {
        entries.map { "\($0.source): \($0.message ?? $0.document.map { "\($0)" } ?? "")" }.joined(separator: "\n")
    }
}
