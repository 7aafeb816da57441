import Foundation
import Manifests

/// Arbitrary bytes read as a YAML manifest by the fast path (libyaml's events written as JSON, then
/// decoded) and by today's path (Yams nodes, NodeDecoder). Where the fast path takes the file, today's
/// path must read it without an error and give the same objects and skipped kinds, in order, under the
/// same source names.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAMLTranscoder(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    var fast: [(source: String, document: DecodedDocument)] = []
    let taken = YAMLManifest.forEachObject(in: bytes, file: "fuzz.yaml") { source, result in
        guard case .success(let document) = result else { fatalError("the fast path handed on an error: \(source)") }
        fast.append((source, document))
    }
    guard taken else { return 0 }
    var today: [(source: String, document: DecodedDocument)] = []
    do {
        try ManifestReader.forEachComposedDocument(in: bytes, file: "fuzz.yaml") { source, result in
            switch result {
            case .success(let document): today.append((source, document))
            case .failure(let error): fatalError("the fast path took a file with an error today: \(error)")
            }
        }
    } catch {
        fatalError("the fast path took a file today's path cannot read: \(error)")
    }
    precondition(fast.map(\.source) == today.map(\.source), "sources differ: \(fast.map(\.source)) against \(today.map(\.source))")
    for (new, old) in zip(fast, today) where new.document != old.document {
        fatalError("\(new.source) differs: \(new.document) against \(old.document)")
    }
    return 0
}
