import ClusterModel
import Foundation

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
        self.init(items: try container.decodeIfPresent([DecodedObject<Object>].self, forKey: .items) ?? [],
                  resourceVersion: metadata.resourceVersion, continueToken: metadata.continue)
    }

    init(items: [DecodedObject<Object>], resourceVersion: String?, continueToken: String?) {
        self.items = items
        self.resourceVersion = resourceVersion ?? ""
        self.continueToken = continueToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A page read by the fast path, or else by `decoder` (for its value or error, as before).
    static func decoding(_ body: Data, with decoder: JSONDecoder) throws -> ObjectList {
        if let page = body.withUnsafeBytes(readJSON) { return page }
        return try decoder.decode(ObjectList.self, from: body)
    }
}
