/// A namespace as enforcement sees it: a name and labels.
public struct Namespace: Hashable, Sendable {
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String]) {
        self.name = name
        self.labels = labels
    }

    public init(validating object: NamespaceObject) throws(ValidationError) {
        guard let name = object.metadata.name, !name.isEmpty else {
            throw ValidationError(object: ObjectReference(kind: "Namespace", namespace: nil, name: "(unnamed)"),
                                  field: "metadata.name", message: "must be set")
        }
        var labels = object.metadata.labels ?? [:]
        // The API server sets this label on every namespace; manifests often leave it out.
        labels["kubernetes.io/metadata.name"] = name
        self.init(name: name, labels: labels)
    }
}
