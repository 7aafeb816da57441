import ClusterModel

/// One line of a watch stream (metav1.WatchEvent).
public enum WatchEvent<Object: KubernetesWireObject>: Sendable {
    case added(DecodedObject<Object>)
    case modified(DecodedObject<Object>)
    /// Carries the last state before deletion, with the deletion's resource version.
    case deleted(DecodedObject<Object>)
    /// Only advances the resource version; it names no object. `initialEventsEnd`: the bookmark that
    /// ends a WatchList's initial state (annotation `k8s.io/initial-events-end: "true"`, apimachinery
    /// metav1.InitialEventsAnnotationKey).
    case bookmark(resourceVersion: String, initialEventsEnd: Bool)
    /// The server ends the watch after this, e.g. 410 Expired.
    case error(APIStatus)

    /// The resource version to resume from after this event, if it has one.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): return object.metadata.resourceVersion
        case .bookmark(let version, _): return version
        case .error: return nil
        }
    }
}

extension WatchEvent: Decodable {
    private enum CodingKeys: String, CodingKey { case type, object }
    private struct BookmarkObject: Decodable {
        struct Metadata: Decodable {
            var resourceVersion: String?
            var annotations: [String: String]?
        }
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
            self = .bookmark(resourceVersion: object.metadata?.resourceVersion ?? "",
                             initialEventsEnd: object.metadata?.annotations?["k8s.io/initial-events-end"] == "true")
        case "ERROR": self = .error(try container.decode(APIStatus.self, forKey: .object))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown watch event type \"\(type)\"")
        }
    }
}
