import Foundation

/// A YAML manifest read without composing nodes: libyaml's events written as JSON
/// (`YAMLJSONTranscoder`), the objects decoded as a JSON manifest's are (`JSONManifest`), a batch at a time
/// on every core. Only a file whose every object decodes cleanly takes this path: any other, a file with
/// one bad object too, is read by today's path (`ManifestReader.forEachComposedDocument`), so that every
/// message, source name and skipped kind stays exactly today's.
public enum YAMLManifest {
    /// False, having called `body` for nothing, when the file must be read by today's path.
    public static func forEachObject(in data: Data, file: String, _ body: (String, Result<DecodedDocument, ManifestError>) -> Void) -> Bool {
        guard var objects = data.withUnsafeBytes(decodedObjects) else { return false }
        // Last first, so that each object is freed once handed on.
        objects.reverse()
        while let (place, document) = objects.popLast() {
            let source = place.item.map { "\(file)#\(place.document) items[\($0)]" } ?? "\(file)#\(place.document)"
            body(source, .success(document))
        }
        return true
    }

    /// Every object of the file, or nil when one does not come out as a decoded object.
    static func decodedObjects(_ bytes: UnsafeRawBufferPointer) -> [(YAMLObjectPlace, DecodedDocument)]? {
        // Today's path reads the file through `String(data:encoding:)`, which may drop a byte order mark.
        guard !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else { return nil }
        var transcoder = YAMLJSONTranscoder(bytes)
        var batch = Batch()
        var objects: [(YAMLObjectPlace, DecodedDocument)] = []
        do throws(YAMLTranscodingDeclined) {
            try transcoder.forEachObject { place, json throws(YAMLTranscodingDeclined) in
                batch.add(json, at: place)
                if batch.places.count == JSONManifest.batchSize { try batch.decode(into: &objects) }
            }
            try batch.decode(into: &objects)
        } catch {
            return nil
        }
        return objects
    }

    /// Objects' JSON texts, back to back, until they are decoded together.
    private struct Batch {
        var json: [UInt8] = []
        var ranges: [Range<Int>] = []
        var places: [YAMLObjectPlace] = []

        mutating func add(_ object: ArraySlice<UInt8>, at place: YAMLObjectPlace) {
            ranges.append(json.count..<json.count + object.count)
            json.append(contentsOf: object)
            places.append(place)
        }

        mutating func decode(into objects: inout [(YAMLObjectPlace, DecodedDocument)]) throws(YAMLTranscodingDeclined) {
            let outcomes = json.withUnsafeBytes { JSONManifest.decode(ranges[...], in: $0) }
            for (place, outcome) in zip(places, outcomes) {
                guard case .decoded(let document) = outcome else { throw YAMLTranscodingDeclined() }
                objects.append((place, document))
            }
            json.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
            places.removeAll(keepingCapacity: true)
        }
    }
}
