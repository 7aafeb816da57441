import ClusterModel

/// One page of a LIST: its items, the snapshot's resource version, and the token for the next page.
public struct ObjectList<Object: KubernetesWireObject>: Decodable, Sendable {
    public var items: [DecodedObject<Object>]
    public var resourceVersion: String
    /// Empty or nil: this was the last page. A page may hold fewer items than asked for, even none.
    public var continueToken: String?

    private enum CodingKeys: String, CodingKey { case metadata, items }
    private struct ListMeta: Decodable {
        var resourceVersion: String?
        var `continue`: String?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let metadata = try container.decode(ListMeta.self, forKey: .metadata)
        items = try container.decodeIfPresent([DecodedObject<Object>].self, forKey: .items) ?? []
        resourceVersion = metadata.resourceVersion ?? ""
        continueToken = metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
    }
}
