/// A counter object of the table (`counter NAME { comment "…" }`), which rules add their packets and
/// bytes to by name (`Rule.namedCounter`). Only the declaration is modelled: the kernel keeps the values,
/// for as long as the object exists, so comparing declared and read-back rulesets never sees them.
public struct NamedCounter: Hashable, Sendable {
    public var name: String
    public var comment: String?

    public init(name: String, comment: String? = nil) {
        self.name = name
        self.comment = comment
    }
}
