/// A namespace as enforcement sees it: a name and labels.
public struct Namespace: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String]) {
        self.name = name
        self.labels = labels
    }

    public init(validating object: NamespaceObject) throws(ValidationError) {
        let name = try object.metadata.reference(kind: "Namespace", namespaced: false).name
        var labels = object.metadata.labels ?? [:]
        // The API server sets this label on every namespace; manifests often leave it out.
        labels["kubernetes.io/metadata.name"] = name
        self.init(name: name, labels: labels)
    }
}
