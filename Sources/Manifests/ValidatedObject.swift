import ClusterModel

/// An object of a kind the agent reads, validated: what `ClusterBuilder` keeps.
public enum ValidatedObject: Sendable {
    case namespace(Namespace)
    case pod(Pod)
    case networkPolicy(NetworkPolicy)
    case clusterNetworkPolicy(ClusterNetworkPolicy)
    case node(ClusterNode)

    public init(validating object: KubernetesObject) throws(ValidationError) {
        switch object {
        case .namespace(let raw): self = .namespace(try Namespace(validating: raw))
        case .pod(let raw): self = .pod(try Pod(validating: raw))
        case .networkPolicy(let raw): self = .networkPolicy(try NetworkPolicy(validating: raw))
        case .clusterNetworkPolicy(let raw): self = .clusterNetworkPolicy(try ClusterNetworkPolicy(validating: raw))
        case .node(let raw): self = .node(try ClusterNode(validating: raw))
        }
    }
}

/// One document as loading takes it: validated where it was decoded, so that JSON manifests validate
/// on every core.
public enum LoadedDocument: Sendable {
    case object(ValidatedObject)
    /// A kind the agent does not read.
    case skipped(kind: String)
    case invalid(ValidationError)

    init(validating document: DecodedDocument) {
        switch document {
        case .skipped(let kind): self = .skipped(kind: kind)
        case .object(let object):
            do { self = .object(try ValidatedObject(validating: object)) } catch { self = .invalid(error) }
        }
    }
}
