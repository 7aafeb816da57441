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
            self = .invalid(metadata, reason: DecodingFailure.summary(error, below: decoder.codingPath.count))
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .valid(let object): return object.metadata
        case .invalid(let metadata, _): return metadata
        }
    }
}

private struct MetadataOnly: Decodable {
    var metadata: ObjectMeta
}
