import ClusterModel

/// Identifies a cached object within its kind. Built from the object's own strings, so a key costs
/// no extra allocation (Swift strings share their storage).
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    /// Empty for cluster-scoped objects (namespaces).
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}
