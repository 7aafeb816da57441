import ClusterModel

/// One line of a watch stream (metav1.WatchEvent).
public enum WatchEvent<Object: KubernetesWireObject>: Sendable {
    case added(DecodedObject<Object>)
    case modified(DecodedObject<Object>)
    /// Carries the last state before deletion, with the deletion's resource version.
    case deleted(DecodedObject<Object>)
    /// Only advances the resource version; it names no object.
    case bookmark(resourceVersion: String)
    /// The server ends the watch after this, e.g. 410 Expired.
    case error(APIStatus)

    /// The resource version to resume from after this event, if it has one.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): return object.metadata.resourceVersion
        case .bookmark(let version): return version
        case .error: return nil
        }
    }
}

extension WatchEvent: Decodable {
    private enum CodingKeys: String, CodingKey { case type, object }
    private struct BookmarkObject: Decodable {
        struct Metadata: Decodable { var resourceVersion: String? }
        var metadata: Metadata?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "ADDED": self = .added(try container.decode(DecodedObject<Object>.self, forKey: .object))
        case "MODIFIED": self = .modified(try container.decode(DecodedObject<Object>.self, forKey: .object))
        case "DELETED": self = .deleted(try container.decode(DecodedObject<Object>.self, forKey: .object))
        case "BOOKMARK":
            let object = try container.decode(BookmarkObject.self, forKey: .object)
            self = .bookmark(resourceVersion: object.metadata?.resourceVersion ?? "")
        case "ERROR": self = .error(try container.decode(APIStatus.self, forKey: .object))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown watch event type \"\(type)\"")
        }
    }
}
