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
        forEachObject(in: data, file: file, tentative: nil, ahead: nil, decoding: \.document) { body($0, .success($1)) }
    }

    /// Each object validated on the thread that decoded it, so that validating runs on every core. With
    /// `tentative`, a large file's objects go to `body` as they are decoded, between `.begin` and `.keep`;
    /// when a later object sends the file to today's path, `.takeBack` says to forget them, and the result
    /// is false. Otherwise false means that `body` was called for nothing. Small files are not handed on
    /// tentatively: each would cost the receiver a checkpoint. `ahead`: the file's transcoding, if it was
    /// started before the file's turn came (`transcodingAhead`).
    static func forEachObject(in data: Data, file: String, tentative: ((TentativeObjects) -> Void)?, ahead: TranscodedBatches? = nil,
                              _ body: (String, LoadedDocument) -> Void) -> Bool {
        forEachObject(in: data, file: file, tentative: tentative, ahead: ahead,
                      decoding: { $0.document.map(LoadedDocument.init(validating:)) }, body)
    }

    /// `decoding` takes each object's outcome on the thread that decoded it: nil when the object does not
    /// come out as a decoded document, and the file goes to today's path.
    private static func forEachObject<Document: Sendable>(in data: Data, file: String, tentative: ((TentativeObjects) -> Void)?,
                                                          ahead: TranscodedBatches?,
                                                          decoding: @escaping @Sendable (JSONManifestObject.Outcome) -> Document?,
                                                          _ body: (String, Document) -> Void) -> Bool {
        func handOn(_ place: YAMLObjectPlace, _ document: Document) {
            let source = place.item.map { "\(file)#\(place.document) items[\($0)]" } ?? "\(file)#\(place.document)"
            body(source, document)
        }
        if let tentative, data.count >= overlapFromSize {
            var begun = false
            let taken = forEachDecodedBatch(data, ahead: ahead, decoding: decoding) { objects in
                if !begun { tentative(.begin) }
                begun = true
                for (place, document) in objects { handOn(place, document) }
            }
            if begun { tentative(taken ? .keep : .takeBack) }
            return taken
        }
        var objects: [(YAMLObjectPlace, Document)] = []
        guard forEachDecodedBatch(data, ahead: ahead, decoding: decoding, { objects += $0 }) else { return false }
        // Last first, so that each object is freed once handed on.
        objects.reverse()
        while let (place, document) = objects.popLast() { handOn(place, document) }
        return true
    }

    /// Each batch of the file's objects, decoded, in order; false when one does not come out as a decoded
    /// object, or the transcoder declines, and no later batch is handed on.
    private static func forEachDecodedBatch<Document: Sendable>(_ data: Data, ahead: TranscodedBatches?,
                                                                decoding: @escaping @Sendable (JSONManifestObject.Outcome) -> Document?,
                                                                _ body: ([(YAMLObjectPlace, Document)]) -> Void) -> Bool {
        guard mayTakeFastPath(data) else { return false }
        func decode(_ batch: YAMLJSONBatch) -> Bool {
            let documents = batch.json.withUnsafeBytes { JSONManifest.decode(batch.ranges[...], in: $0, then: decoding) }
            var objects: [(YAMLObjectPlace, Document)] = []
            objects.reserveCapacity(batch.count)
            for (place, document) in zip(batch.places, documents) {
                guard let document else { return false }
                objects.append((place, document))
            }
            body(objects)
            return true
        }
        guard let batches = ahead ?? (data.count >= overlapFromSize ? transcodedOnAnotherThread(data, capacity: 2) : nil) else {
            return data.withUnsafeBytes { bytes in
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
        }
        // No thread is left parsing once the file is done.
        defer { batches.waitUntilFinished() }
        while let batch = batches.take() {
            guard let batch, decode(batch) else {
                batches.stop()
                return false
            }
        }
        return true
    }

    /// Today's path reads the file through `String(data:encoding:)`, which may drop a byte order mark.
    private static func mayTakeFastPath(_ data: Data) -> Bool { !data.starts(with: [0xEF, 0xBB, 0xBF]) }

    /// A file's batches as a thread of its own writes them; nil, last, when the transcoder declined.
    typealias TranscodedBatches = BoundedHandOff<YAMLJSONBatch?>

    /// Batches of a file transcoded ahead that may wait: all of a 10k-policy file, and little memory for a
    /// large one (a batch of 2,048 pods is about 1 MB of JSON).
    static let aheadCapacity = 8

    /// Starts transcoding a large YAML file before its turn, so that it is parsed on a core the file before
    /// it leaves idle; nil for a file this path would not parse on a thread: small, one the JSON path reads
    /// first (`JSONManifest.looksLikeJSON`), or one today's path must read.
    static func transcodingAhead(of data: Data) -> TranscodedBatches? {
        guard data.count >= overlapFromSize, mayTakeFastPath(data), !data.withUnsafeBytes(JSONManifest.looksLikeJSON) else { return nil }
        return transcodedOnAnotherThread(data, capacity: aheadCapacity)
    }

    /// The file's batches as a new thread writes them. `capacity` batches at most wait, so that parsing
    /// runs ahead of decoding by little memory. The thread holds the file's bytes while it reads them.
    private static func transcodedOnAnotherThread(_ data: Data, capacity: Int) -> TranscodedBatches {
        let batches = TranscodedBatches(capacity: capacity)
        Thread.detachNewThread {
            data.withUnsafeBytes { transcode($0, into: batches) }
            batches.finish()
        }
        return batches
    }

    private static func transcode(_ bytes: UnsafeRawBufferPointer, into batches: TranscodedBatches) {
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
