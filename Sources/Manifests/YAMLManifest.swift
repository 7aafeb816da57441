import Foundation

/// A YAML manifest read without composing nodes: libyaml's events written as JSON
/// (`YAMLJSONTranscoder`), the objects decoded as a JSON manifest's are (`JSONManifest`), a batch at a time.
/// A large file is parsed on a thread of its own while the reading thread decodes the batches written so
/// far. Only a file whose every object decodes cleanly takes this path: any other, a file with one bad
/// object too, is read by today's path (`ManifestReader.forEachComposedDocument`), so that every message,
/// source name and skipped kind stays exactly today's.
public enum YAMLManifest {
    /// Files from this size on are parsed on a thread of their own while this one decodes what it wrote;
    /// below it, starting a thread costs more than the overlap saves.
    static let overlapFromSize = 1 << 20

    /// False, having called `body` for nothing, when the file must be read by today's path.
    public static func forEachObject(in data: Data, file: String, _ body: (String, Result<DecodedDocument, ManifestError>) -> Void) -> Bool {
        forEachObject(in: data, file: file, tentative: nil, body)
    }

    /// With `tentative`, a large file's objects go to `body` as they are decoded, between `.begin` and
    /// `.keep`; when a later object sends the file to today's path, `.takeBack` says to forget them, and the
    /// result is false. Otherwise false means that `body` was called for nothing. Small files are not
    /// handed on tentatively: each would cost the receiver a checkpoint.
    static func forEachObject(in data: Data, file: String, tentative: ((TentativeObjects) -> Void)?,
                              _ body: (String, Result<DecodedDocument, ManifestError>) -> Void) -> Bool {
        func handOn(_ place: YAMLObjectPlace, _ document: DecodedDocument) {
            let source = place.item.map { "\(file)#\(place.document) items[\($0)]" } ?? "\(file)#\(place.document)"
            body(source, .success(document))
        }
        if let tentative, data.count >= overlapFromSize {
            var begun = false
            let taken = data.withUnsafeBytes { bytes in
                forEachDecodedBatch(bytes) { objects in
                    if !begun { tentative(.begin) }
                    begun = true
                    for (place, document) in objects { handOn(place, document) }
                }
            }
            if begun { tentative(taken ? .keep : .takeBack) }
            return taken
        }
        var objects: [(YAMLObjectPlace, DecodedDocument)] = []
        guard data.withUnsafeBytes({ forEachDecodedBatch($0) { objects += $0 } }) else { return false }
        // Last first, so that each object is freed once handed on.
        objects.reverse()
        while let (place, document) = objects.popLast() { handOn(place, document) }
        return true
    }

    /// Each batch of the file's objects, decoded, in order; false when one does not come out as a decoded
    /// object, or the transcoder declines, and no later batch is handed on.
    private static func forEachDecodedBatch(_ bytes: UnsafeRawBufferPointer, _ body: ([(YAMLObjectPlace, DecodedDocument)]) -> Void) -> Bool {
        // Today's path reads the file through `String(data:encoding:)`, which may drop a byte order mark.
        guard !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { return false }
        func decode(_ batch: YAMLJSONBatch) -> Bool {
            let outcomes = batch.json.withUnsafeBytes { JSONManifest.decode(batch.ranges[...], in: $0) }
            var objects: [(YAMLObjectPlace, DecodedDocument)] = []
            objects.reserveCapacity(batch.count)
            for (place, outcome) in zip(batch.places, outcomes) {
                guard case .decoded(let document) = outcome else { return false }
                objects.append((place, document))
            }
            body(objects)
            return true
        }
        guard bytes.count >= overlapFromSize else {
            var transcoder = YAMLJSONTranscoder(bytes)
            do throws(YAMLTranscodingDeclined) {
                try transcoder.forEachBatch(of: JSONManifest.batchSize) { batch throws(YAMLTranscodingDeclined) in
                    guard decode(batch) else { throw YAMLTranscodingDeclined() }
                }
            } catch {
                return false
            }
            return true
        }
        let batches = transcodedOnAnotherThread(bytes)
        // The other thread reads `bytes`: it must be done before they may go.
        defer { batches.waitUntilFinished() }
        while let batch = batches.take() {
            guard let batch, decode(batch) else {
                batches.stop()
                return false
            }
        }
        return true
    }

    /// The file's batches as a new thread writes them; nil, last, when the transcoder declined. Two
    /// batches at most wait, so that parsing runs ahead of decoding by little memory.
    private static func transcodedOnAnotherThread(_ bytes: UnsafeRawBufferPointer) -> BoundedHandOff<YAMLJSONBatch?> {
        let batches = BoundedHandOff<YAMLJSONBatch?>(capacity: 2)
        let input = FileBytes(bytes: bytes)
        Thread.detachNewThread {
            transcode(input.bytes, into: batches)
            batches.finish()
        }
        return batches
    }

    private static func transcode(_ bytes: UnsafeRawBufferPointer, into batches: BoundedHandOff<YAMLJSONBatch?>) {
        var transcoder = YAMLJSONTranscoder(bytes)
        do throws(YAMLTranscodingDeclined) {
            try transcoder.forEachBatch(of: JSONManifest.batchSize) { batch throws(YAMLTranscodingDeclined) in
                // The reader stopped: an object of an earlier batch was not clean.
                guard batches.put(batch) else { throw YAMLTranscodingDeclined() }
            }
        } catch {
            _ = batches.put(nil)
        }
    }

    /// The file's bytes, which the transcoding thread reads while the reading thread waits for it to end.
    private struct FileBytes: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
    }
}

/// What becomes of the objects a large YAML file has handed on: they go out as they are decoded, while the
/// rest of the file is still parsed, and a later object the fast path cannot read sends the whole file to
/// today's path, which hands on its objects anew.
public enum TentativeObjects: Sendable {
    /// The file's first object follows; from here on, objects may be taken back.
    case begin
    /// The file was read to its end: its objects stay.
    case keep
    /// Forget every object since `.begin`; today's path reads the file next.
    case takeBack
}
