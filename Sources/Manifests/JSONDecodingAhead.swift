import Foundation

/// Decodes (and validates) a JSON manifest's objects on a thread of its own, in batches, as they are
/// named to it, and gives the batches back in that order. The scanner names a List's items while it
/// still reads the rest of the file, and the caller hands one batch on to the cluster builder while
/// the next decodes: both are serial, and left the other cores idle before.
struct JSONDecodingAhead {
    /// What was named, in order.
    private(set) var fed: [Range<Int>] = []
    private var pending: [Range<Int>] = []
    private let toDecode = BoundedHandOff<[Range<Int>]>(capacity: .max)
    private let decoded = BoundedHandOff<[JSONManifestObject.Outcome]>(capacity: .max)

    /// `bytes` must stay valid until every batch was taken or `cancel()` returned.
    init(_ bytes: UnsafeRawBufferPointer) {
        let (toDecode, decoded, shared) = (toDecode, decoded, SharedBytes(bytes: bytes))
        DispatchQueue.global().async {
            while let batch = toDecode.take() {
                guard decoded.put(JSONManifest.decode(batch[...], in: shared.bytes) { $0.validated }) else { break }
            }
            decoded.finish()
        }
    }

    mutating func feed(_ object: Range<Int>) {
        fed.append(object)
        pending.append(object)
        if pending.count == JSONManifest.batchSize { sendPending() }
    }

    /// Nothing more will be named.
    mutating func finishFeeding() {
        if !pending.isEmpty { sendPending() }
        toDecode.finish()
    }

    /// The outcomes of the next `JSONManifest.batchSize` objects named (or of the rest), waiting for
    /// them; nil after the last batch.
    func next() -> [JSONManifestObject.Outcome]? { decoded.take() }

    /// Drops what was named and decoded, and waits until the thread no longer reads the bytes.
    func cancel() {
        decoded.stop()
        toDecode.stop()
        toDecode.finish()
        decoded.waitUntilFinished()
    }

    private mutating func sendPending() {
        _ = toDecode.put(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// The mapped file, which the decoding thread only reads.
    private struct SharedBytes: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
    }
}
