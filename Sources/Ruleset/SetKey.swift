import IPAddressing

/// The key of a set element: one part per field of the set's key type, read as a collection of
/// `KeyPart`.
///
/// Kept inline rather than in an array of its own: a table holds hundreds of thousands of elements,
/// and an array each cost an allocation, reference counting on every copy and a pointer to follow on
/// every read. Every set the compiler makes has at most three fields (address, protocol, port range),
/// the first one of any kind and the others protocols or ports, which fit in a few bytes; any other key
/// keeps its later parts in an array.
public struct SetKey: RandomAccessCollection, Hashable, Comparable, Sendable, ExpressibleByArrayLiteral {
    /// nil only for the empty key.
    private let head: KeyPart?
    private let tail: Tail

    /// One representation per list of parts (inline whenever it fits), so the synthesized equality is
    /// the parts' equality.
    private enum Tail: Hashable, Sendable {
        case inline(CompactPart?, CompactPart?)
        case spilled([KeyPart])
    }

    /// A key part other than an address, in five bytes.
    private enum CompactPart: Hashable, Sendable {
        case l4Protocol(L4Protocol)
        case ports(lower: UInt16, upper: UInt16)

        init?(_ part: KeyPart) {
            switch part {
            case .address: return nil
            case .l4Protocol(let proto): self = .l4Protocol(proto)
            case .ports(let range): self = .ports(lower: range.lowerBound, upper: range.upperBound)
            }
        }

        var part: KeyPart {
            switch self {
            case .l4Protocol(let proto): return .l4Protocol(proto)
            case .ports(let lower, let upper): return .ports(lower...upper)
            }
        }
    }

    /// A key of one to three parts, without building an array.
    public init(_ first: KeyPart, _ second: KeyPart? = nil, _ third: KeyPart? = nil) {
        precondition(second != nil || third == nil, "a third key part without a second")
        head = first
        guard let second else {
            tail = .inline(nil, nil)
            return
        }
        let compactSecond = CompactPart(second), compactThird = third.flatMap(CompactPart.init)
        if let compactSecond, third == nil || compactThird != nil {
            tail = .inline(compactSecond, compactThird)
        } else {
            tail = .spilled([second] + (third.map { [$0] } ?? []))
        }
    }

    public init<Parts: Sequence<KeyPart>>(_ parts: Parts) {
        let parts = Array(parts)
        switch parts.count {
        case 0: self.init(head: nil, tail: .inline(nil, nil))
        case 1...3: self.init(parts[0], parts.count > 1 ? parts[1] : nil, parts.count > 2 ? parts[2] : nil)
        default: self.init(head: parts[0], tail: .spilled(Array(parts.dropFirst())))
        }
    }

    private init(head: KeyPart?, tail: Tail) {
        self.head = head
        self.tail = tail
    }

    public init(arrayLiteral parts: KeyPart...) { self.init(parts) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        guard head != nil else { return 0 }
        switch tail {
        case .inline(nil, _): return 1
        case .inline(_, nil): return 2
        case .inline: return 3
        case .spilled(let parts): return 1 + parts.count
        }
    }

    public subscript(position: Int) -> KeyPart {
        precondition(position >= 0 && position < endIndex, "key part \(position) of \(endIndex)")
        if position == 0 { return head! }
        switch tail {
        case .inline(let second, let third): return (position == 1 ? second : third)!.part
        case .spilled(let parts): return parts[position - 1]
        }
    }

    /// Part by part, as arrays of the parts compare (`lexicographicallyPrecedes`); the first parts,
    /// which tell nearly all keys of a set apart, are compared without iterating.
    public static func < (lhs: SetKey, rhs: SetKey) -> Bool {
        guard let left = lhs.head, let right = rhs.head else { return lhs.head == nil && rhs.head != nil }
        if left != right { return left < right }
        return lhs.dropFirst().lexicographicallyPrecedes(rhs.dropFirst())
    }

    /// Hashes one word per part: sets of hundreds of thousands of elements are hashed on every build,
    /// and the synthesized hash would feed every byte of every 128-bit range bound. Equal keys still
    /// hash equally.
    public func hash(into hasher: inout Hasher) {
        for part in self {
            switch part {
            case .address(let range):
                switch range.lower {
                case .v4(let value): hasher.combine(UInt64(value))
                case .v6(let value): hasher.combine(UInt64(truncatingIfNeeded: value) ^ UInt64(truncatingIfNeeded: value >> 64))
                }
            case .l4Protocol(let proto): hasher.combine(UInt64(proto.number) | 1 << 40)
            case .ports(let range): hasher.combine(UInt64(range.lowerBound) << 16 | UInt64(range.upperBound) | 1 << 41)
            }
        }
    }
}

extension SetKey: CustomStringConvertible {
    /// As an array of the parts would print, for test failures.
    public var description: String { Array(self).description }
}
