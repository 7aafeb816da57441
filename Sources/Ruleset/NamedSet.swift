import HashTreeCollections
import IPAddressing

/// nftables data types used as set keys. The raw values are nft's datatype ids, which the kernel
/// ignores but `nft list` needs to print keys.
public enum DataType: UInt32, Hashable, Sendable {
    case ipv4Address = 7
    case ipv6Address = 8
    case inetProtocol = 12
    case inetService = 13

    /// Bytes of the value itself; each field of a concatenation is padded to 4 bytes.
    public var byteLength: Int {
        switch self {
        case .ipv4Address: return 4
        case .ipv6Address: return 16
        case .inetProtocol: return 1
        case .inetService: return 2
        }
    }
}

/// A named set, or a verdict map when `isVerdictMap`.
///
/// A value, stored behind one reference (copy on write, as Array does): a table lists thousands of
/// sets and a pod event copies the list, compares it with the last one and frees the old one, so a
/// copy is one retain and two copies of one set compare equal without reading their fields.
public struct NamedSet: Hashable, Sendable {
    private var storage: Storage

    public var name: String {
        get { storage.declaration.name }
        set { unique().declaration.name = newValue }
    }
    /// One type per field; more than one is a concatenation.
    public var keyType: [DataType] {
        get { storage.declaration.keyType }
        set { unique().declaration.keyType = newValue }
    }
    /// Elements are ranges (CIDRs, port ranges) rather than single values.
    public var isInterval: Bool {
        get { storage.declaration.isInterval }
        set { unique().declaration.isInterval = newValue }
    }
    public var isVerdictMap: Bool {
        get { storage.declaration.isVerdictMap }
        set { unique().declaration.isVerdictMap = newValue }
    }
    public var comment: String? {
        get { storage.declaration.comment }
        set { unique().declaration.comment = newValue }
    }
    /// The size the kernel gives the set: where its hash table starts, and the most elements it may hold.
    /// nil leaves both to the kernel. The compiler never sets it; the programmer does (`SetSizing`), so
    /// a change of size is a change of declaration, and the set is created again.
    public var kernelSize: UInt32? {
        get { storage.declaration.kernelSize }
        set { unique().declaration.kernelSize = newValue }
    }
    /// Unordered; renderers sort. Copies share structure, so a set that did not change compares equal
    /// at once and a small change is found without visiting every element.
    public var elements: TreeSet<SetElement> {
        get { storage.elements }
        // In place, so that adding one element to a set nobody else holds copies nothing.
        _modify {
            let storage = unique()
            yield &storage.elements
        }
    }

    public init<Elements: Sequence<SetElement>>(name: String, keyType: [DataType], isInterval: Bool = false,
                                                 isVerdictMap: Bool = false, comment: String? = nil, kernelSize: UInt32? = nil,
                                                 elements: Elements = [SetElement]()) {
        storage = Storage(Declaration(name: name, keyType: keyType, isInterval: isInterval, isVerdictMap: isVerdictMap, comment: comment,
                                      kernelSize: kernelSize),
                          TreeSet(elements))
    }

    public static func == (lhs: NamedSet, rhs: NamedSet) -> Bool {
        lhs.isDeclared(like: rhs) && lhs.elements == rhs.elements
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.declaration)
        hasher.combine(elements)
    }

    /// Whether both are the same stored value: equal without reading either (no reference counting,
    /// which alone costs a cache miss per set when a diff walks thousands of them).
    public func isIdentical(to other: NamedSet) -> Bool { ObjectIdentifier(storage) == ObjectIdentifier(other.storage) }

    /// Whether the set can be kept rather than recreated: every field but the elements matches.
    func isDeclared(like other: NamedSet) -> Bool { isIdentical(to: other) || storage.declaration == other.storage.declaration }

    /// Whether the set can be kept as `other` with another kernel size: every other field but the elements matches.
    public func isDeclared(likeApartFromKernelSize other: NamedSet) -> Bool {
        guard !isIdentical(to: other) else { return true }
        var declaration = other.storage.declaration
        declaration.kernelSize = storage.declaration.kernelSize
        return declaration == storage.declaration
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.declaration, storage.elements) }
        return storage
    }

    /// Every field but the elements.
    private struct Declaration: Hashable {
        var name: String
        var keyType: [DataType]
        var isInterval: Bool
        var isVerdictMap: Bool
        var comment: String?
        var kernelSize: UInt32?
    }

    /// Mutated only while uniquely referenced (`unique()`), so a shared one never changes: safe to send.
    private final class Storage: @unchecked Sendable {
        var declaration: Declaration
        var elements: TreeSet<SetElement>

        init(_ declaration: Declaration, _ elements: TreeSet<SetElement>) {
            self.declaration = declaration
            self.elements = elements
        }
    }
}

/// One key of a set element: a value or an inclusive range of values, per field of the key type.
public enum KeyPart: Hashable, Sendable, Comparable {
    case address(AddressRange)
    case l4Protocol(L4Protocol)
    case ports(ClosedRange<UInt16>)

    public static func address(_ single: IPAddress) -> KeyPart { .address(AddressRange(single)) }
    public static func port(_ single: UInt16) -> KeyPart { .ports(single...single) }

    public static func < (lhs: KeyPart, rhs: KeyPart) -> Bool {
        switch (lhs, rhs) {
        case let (.address(a), .address(b)): return a < b
        case let (.l4Protocol(a), .l4Protocol(b)): return a < b
        case let (.ports(a), .ports(b)): return (a.lowerBound, a.upperBound) < (b.lowerBound, b.upperBound)
        default: return lhs.order < rhs.order
        }
    }

    private var order: Int {
        switch self {
        case .address: return 0
        case .l4Protocol: return 1
        case .ports: return 2
        }
    }
}

public struct SetElement: Hashable, Sendable, Comparable {
    public var key: SetKey
    /// The mapped verdict, for verdict maps only.
    public var verdict: Verdict?

    public init(key: SetKey, verdict: Verdict? = nil) {
        self.key = key
        self.verdict = verdict
    }

    public static func < (lhs: SetElement, rhs: SetElement) -> Bool { lhs.key < rhs.key }

    /// The key's hash alone: keys are unique within a set, so the verdict is left out.
    public func hash(into hasher: inout Hasher) { key.hash(into: &hasher) }
}
