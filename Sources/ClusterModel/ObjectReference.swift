/// Names an object in messages: "NetworkPolicy x/allow-web".
public struct ObjectReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(kind: String, namespace: String?, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public var description: String {
        namespace.map { "\(kind) \($0)/\(name)" } ?? "\(kind) \(name)"
    }

    public static func < (lhs: ObjectReference, rhs: ObjectReference) -> Bool {
        (lhs.kind, lhs.namespace ?? "", lhs.name) < (rhs.kind, rhs.namespace ?? "", rhs.name)
    }
}

/// A rejected object: which one, which field, and why. The agent skips that object only.
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var object: ObjectReference
    public var field: String
    public var message: String

    public init(object: ObjectReference, field: String, message: String) {
        self.object = object
        self.field = field
        self.message = message
    }

    public var description: String { "\(object): \(field): \(message)" }
}

/// Builds errors for one object while walking its fields.
struct FieldChecker {
    let object: ObjectReference

    func error(_ field: String, _ message: String) -> ValidationError {
        ValidationError(object: object, field: field, message: message)
    }
}

extension ObjectMeta {
    /// Who the object is, for messages; an object without a name is rejected as "(unnamed)".
    /// Namespaced objects without a namespace are in "default", as kubectl puts them.
    func reference(kind: String, namespaced: Bool) throws(ValidationError) -> ObjectReference {
        let namespace = namespaced ? self.namespace ?? "default" : nil
        guard let name, !name.isEmpty else {
            throw ValidationError(object: ObjectReference(kind: kind, namespace: namespace, name: "(unnamed)"),
                                  field: "metadata.name", message: "must be set")
        }
        return ObjectReference(kind: kind, namespace: namespace, name: name)
    }
}
