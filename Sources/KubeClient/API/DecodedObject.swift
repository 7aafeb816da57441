import ClusterModel

/// An object off the wire: decoded, or too malformed to decode, in which case its metadata (if that
/// much is readable) still says which object it was, so it can be named in logs and deleted by key.
public enum DecodedObject<Object: KubernetesWireObject>: Decodable, Sendable {
    case valid(Object)
    case invalid(ObjectMeta, reason: String)

    public init(from decoder: any Decoder) throws {
        do {
            self = .valid(try Object(from: decoder))
        } catch {
            let metadata = (try? MetadataOnly(from: decoder))?.metadata ?? ObjectMeta()
            self = .invalid(metadata, reason: Self.describe(error, below: decoder.codingPath.count))
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .valid(let object): return object.metadata
        case .invalid(let metadata, _): return metadata
        }
    }

    /// "spec.hostNetwork: expected Bool" rather than Swift's full DecodingError dump.
    /// `depth`: coding-path entries above the object (a list's "items[3]"), left out of the field.
    private static func describe(_ error: any Error, below depth: Int) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let (path, detail): ([any CodingKey], String)
        switch error {
        case .typeMismatch(let type, let context): (path, detail) = (context.codingPath, "expected \(type)")
        case .valueNotFound(let type, let context): (path, detail) = (context.codingPath, "expected \(type), found null")
        case .keyNotFound(let key, let context): (path, detail) = (context.codingPath + [key], "must be set")
        case .dataCorrupted(let context): (path, detail) = (context.codingPath, context.debugDescription)
        @unknown default: return "\(error)"
        }
        let field = path.dropFirst(depth).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "\(field.hasPrefix(".") ? String(field.dropFirst()) : field): \(detail)"
    }
}

private struct MetadataOnly: Decodable {
    var metadata: ObjectMeta
}
