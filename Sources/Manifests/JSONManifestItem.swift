import ClusterModel

/// The fast path for one object of a JSON manifest: its `kind` and `apiVersion`, then the typed object,
/// read by `JSONWireReader`. Nil wherever the reader declines; `JSONManifestObject` then decodes the same
/// bytes with JSONDecoder, which gives today's outcome and message.
enum JSONManifestItem {
    static func read(_ bytes: UnsafeRawBufferPointer) -> JSONManifestObject.Outcome? {
        guard let (kind, apiVersion) = header(bytes) else { return nil }
        guard let type = KubernetesObject.Kind(kind: kind, apiVersion: apiVersion) else {
            return .decoded(DecodedDocument.skipped(kind: kind, apiVersion: apiVersion))
        }
        return type.readJSON(bytes).map { .decoded(.object($0)) }
    }

    /// `kind` and `apiVersion` when both are strings; anything else is for JSONManifestObject to say.
    /// Reading stops once both are known (by throwing, the one way out of `readObject`): the manifest
    /// scanner passes only valid JSON without duplicate keys (JSONManifestScanner), and the typed read
    /// that follows checks the whole object again.
    private static func header(_ bytes: UnsafeRawBufferPointer) -> (kind: String, apiVersion: String)? {
        var reader = JSONWireReader(bytes)
        var kind: String?, apiVersion: String?
        do {
            try reader.readObject { reader, key throws(JSONWireFallback) in
                switch key {
                case "kind": try kind.setOnce(reader.readString())
                case "apiVersion": try apiVersion.setOnce(reader.readString())
                default: try reader.skipValue()
                }
                if kind != nil, apiVersion != nil { throw JSONWireFallback() }
            }
        } catch {}
        guard let kind, let apiVersion else { return nil }
        return (kind, apiVersion)
    }
}

extension KubernetesObject.Kind {
    /// The object when the fast path reads all of `bytes`.
    func readJSON(_ bytes: UnsafeRawBufferPointer) -> KubernetesObject? {
        switch self {
        case .namespace: NamespaceObject.readJSON(bytes).map { .namespace($0) }
        case .pod: PodObject.readJSON(bytes).map { .pod($0) }
        case .networkPolicy: NetworkPolicyObject.readJSON(bytes).map { .networkPolicy($0) }
        case .clusterNetworkPolicy: ClusterNetworkPolicyObject.readJSON(bytes).map { .clusterNetworkPolicy($0) }
        case .node: NodeObject.readJSON(bytes).map { .node($0) }
        }
    }
}
