import Foundation
import Yams

/// A JSON manifest decoded straight into the typed objects: `JSONManifestScanner` finds each object's
/// bytes, `JSONManifestItem` reads them (or, where it declines, `JSONDecoder` decodes them), on every
/// core, and `body` gets them in order. Because main read JSON through YAML and then JSONDecoder, every
/// message stays the same; where the scanner says the YAML path could read the text differently, the file
/// is read as YAML instead.
enum JSONManifest {
    /// Objects decoded together, on all cores; small enough that they and their bytes stay small.
    static let batchSize = 2048

    /// False, having called `body` for nothing, when the file is not JSON that this path reads. Objects are
    /// validated on the worker that decoded them. A List of a batch or more is announced to `upcoming` first
    /// (smaller ones are not: room made for each of many small files would be copied again each time).
    static func forEachObject(in data: Data, file: String, upcoming: ((Int) -> Void)? = nil,
                              _ body: ManifestReader.LoadedDocumentBody) -> Bool {
        data.withUnsafeBytes { bytes in
            guard looksLikeJSON(bytes) else { return false }
            // A List's items decode while the scan goes on.
            var ahead = JSONDecodingAhead(bytes)
            guard let layout = JSONManifestScanner.scan(bytes, item: { ahead.feed($0) }) else {
                ahead.cancel()
                return false
            }
            // Not a List (an `items` member is then part of the one object): its object decodes now.
            if ahead.fed != layout.objects {
                ahead.cancel()
                ahead = JSONDecodingAhead(bytes)
                for object in layout.objects { ahead.feed(object) }
            }
            ahead.finishFeeding()
            if layout.isList, layout.objects.count >= batchSize { upcoming?(layout.objects.count) }
            let budget = max(bytes.count, 100_000)
            func source(_ index: Int) -> String { layout.isList ? "\(file)#1 items[\(index)]" : "\(file)#1" }
            for start in stride(from: 0, to: layout.objects.count, by: batchSize) {
                // Every batch comes: the objects named were exactly these.
                for (index, decoded) in zip(start..<min(start + batchSize, layout.objects.count), ahead.next()!) {
                    switch decoded {
                    case .validated(let document): body({ source(index) }, .success(document))
                    case .decoded(let document): body({ source(index) }, .success(LoadedDocument(validating: document)))
                    case .failed(let message): body({ source(index) }, .failure(ManifestError(source: source(index), message: message)))
                    case .readAsYAML:
                        body({ source(index) }, Result { () throws(ManifestError) in
                            LoadedDocument(validating: try decodeAsYAML(UnsafeRawBufferPointer(rebasing: bytes[layout.objects[index]]),
                                                                        source: source(index), file: file, nodeBudget: budget))
                        })
                    }
                }
            }
            return true
        }
    }

    /// The text starts, after blanks, with an object or an array: only then does this path try to read it.
    static func looksLikeJSON(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let first = bytes.first { !" \t\r\n".utf8.contains($0) }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }

    /// Each object's outcome after `finish`, in order: decoded and finished by as many threads as there are cores.
    static func decode<Result: Sendable>(_ objects: ArraySlice<Range<Int>>, in bytes: UnsafeRawBufferPointer,
                                         then finish: @Sendable (JSONManifestObject.Outcome) -> Result) -> [Result] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, max(1, objects.count / 64))
        return [Result](unsafeUninitializedCapacity: objects.count) { results, initialized in
            let shared = SharedBuffers(bytes: bytes, results: results)
            // Each worker initializes its own offsets, and together they cover every one.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let decoder = JSONDecoder()
                for offset in stride(from: worker, to: objects.count, by: workers) {
                    let range = objects[objects.startIndex + offset]
                    let outcome = JSONManifestItem.read(UnsafeRawBufferPointer(rebasing: shared.bytes[range])) ?? {
                        let slice = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: shared.bytes.baseAddress! + range.lowerBound),
                                         count: range.count, deallocator: .none)
                        return (try? decoder.decode(JSONManifestObject.self, from: slice))?.outcome ?? .readAsYAML
                    }()
                    (shared.results.baseAddress! + offset).initialize(to: finish(outcome))
                }
            }
            initialized = objects.count
        }
    }

    /// One object the way main read every one: YAML node, then typed by tag.
    private static func decodeAsYAML(_ bytes: UnsafeRawBufferPointer, source: String, file: String, nodeBudget: Int) throws(ManifestError) -> DecodedDocument {
        let node: Node?
        do {
            node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ManifestError(source: file, message: "unparsable YAML: \(error)")
        }
        guard let node else { throw ManifestError(source: source, message: "not a Kubernetes object (expected a mapping)") }
        return try ManifestDocument(source: source, node: node, nodeBudget: nodeBudget).decode()
    }

    /// The mapped file and the results, which each worker reads and writes at its own offsets only.
    private struct SharedBuffers<Result>: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
        let results: UnsafeMutableBufferPointer<Result>
    }
}

/// One object of a JSON manifest, decoded as `ManifestDocument.decode()` decodes a YAML one. Where the
/// JSON alone cannot say what the YAML path would print (a `kind`, `apiVersion` or name that is not a
/// string), the outcome is `readAsYAML`.
struct JSONManifestObject: Decodable {
    enum Outcome: Sendable {
        case decoded(DecodedDocument)
        /// Decoded, then validated.
        case validated(LoadedDocument)
        case failed(message: String)
        case readAsYAML

        /// A decoded document validated; any other outcome as it is.
        var validated: Outcome {
            guard case .decoded(let document) = self else { return self }
            return .validated(LoadedDocument(validating: document))
        }

        /// The document when the object decoded cleanly.
        var document: DecodedDocument? {
            guard case .decoded(let document) = self else { return nil }
            return document
        }
    }

    let outcome: Outcome

    init(from decoder: Decoder) {
        guard let container = try? decoder.container(keyedBy: AnyKey.self) else {
            outcome = .failed(message: "not a Kubernetes object (expected a mapping)")
            return
        }
        guard let kindText = Self.text("kind", in: container) else {
            outcome = .readAsYAML
            return
        }
        guard case .some(let kind) = kindText else {
            outcome = .failed(message: "kind: must be set")
            return
        }
        guard let apiVersion = Self.text("apiVersion", in: container) else {
            outcome = .readAsYAML
            return
        }
        var nameIsText = true
        do {
            outcome = .decoded(try DecodedDocument.decode(kind: kind, apiVersion: apiVersion ?? "", source: "", name: {
                let metadata = try? container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("metadata"))
                guard let metadata, let name = Self.text("name", in: metadata), let namespace = Self.text("namespace", in: metadata) else {
                    nameIsText = metadata == nil
                    return ObjectName()
                }
                return ObjectName(name: name, namespace: namespace)
            }, decoder: { decoder }))
        } catch {
            outcome = nameIsText ? .failed(message: error.message) : .readAsYAML
        }
    }

    /// A member's text as the YAML path reads it: .some(nil) when absent, "null" for null, nil when it
    /// is neither a string nor null.
    private static func text(_ key: String, in container: KeyedDecodingContainer<AnyKey>) -> String?? {
        let key = AnyKey(key)
        guard container.contains(key) else { return .some(nil) }
        if (try? container.decodeNil(forKey: key)) == true { return "null" }
        return (try? container.decode(String.self, forKey: key)).map { .some($0) }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(_ stringValue: String) { self.stringValue = stringValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
