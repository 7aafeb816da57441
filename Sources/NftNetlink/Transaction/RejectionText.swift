import CNftables
import Ruleset

/// Names the object a kernel error concerns, e.g. `set pods_ab12_v4: element 10.0.0.1`.
enum RejectionText {
    static func object(of operation: RulesetOperation, table: TableIdentity, message: Batch.Message,
                       offset: Int?, elements: [WireElement]?) -> String {
        switch operation {
        case .addTable, .deleteTable: return "table \(table)"
        case .addChain(let chain): return "chain \(chain.name)"
        case .flushChain(let name), .deleteChain(let name): return "chain \(name)"
        case .addRule(let chain, let rule): return "chain \(chain): rule \"\(NftTextRenderer.render(rule))\""
        case .addSet(let set): return "\(set.isVerdictMap ? "map" : "set") \(set.name)"
        case .deleteSet(let name), .flushSet(let name): return "set \(name)"
        case .addCounter(let counter): return "counter \(counter.name)"
        case .deleteCounter(let name): return "counter \(name)"
        case .addLimit(let limit): return "limit \(limit.name)"
        case .deleteLimit(let name): return "limit \(name)"
        case .addElements(let set), .deleteElements(let set):
            let kind = set.isVerdictMap ? "map" : "set"
            guard let range = message.elements, let elements else { return "\(kind) \(set.name)" }
            if let offset, let index = elementIndex(in: message.header, at: offset), range.lowerBound + index < range.upperBound {
                return "\(kind) \(set.name): element \(describe(elements[range.lowerBound + index], of: set))"
            }
            let first = describe(elements[range.lowerBound], of: set), last = describe(elements[range.upperBound - 1], of: set)
            return "\(kind) \(set.name): one of elements \(first) … \(last)"
        }
    }

    private static func describe(_ wire: WireElement, of set: NamedSet) -> String {
        guard let origin = wire.origin else { return "(interval boundary at 0)" }
        // Origins count elements in the set's own iteration order, as ElementEncoding numbered them.
        return NftTextRenderer.render(Array(set.elements)[origin])
    }

    /// Which element nest of NFTA_SET_ELEM_LIST_ELEMENTS holds byte `offset` of the message.
    private static func elementIndex(in header: UnsafeRawPointer, at offset: Int) -> Int? {
        let length = Int(header.load(as: nlmsghdr.self).nlmsg_len)
        var position = MemoryLayout<nlmsghdr>.size + MemoryLayout<nfgenmsg>.size
        while position + 4 <= length {
            let (size, type) = attribute(header, at: position)
            guard size >= 4 else { return nil }
            if type == UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue) {
                var child = position + 4, index = 0
                while child + 4 <= position + size {
                    let (childSize, _) = attribute(header, at: child)
                    guard childSize >= 4 else { return nil }
                    if offset >= child, offset < child + childSize { return index }
                    child += Netlink.align(childSize)
                    index += 1
                }
                return nil
            }
            position += Netlink.align(size)
        }
        return nil
    }

    /// Length and type (without the nested and byte-order flags) of the attribute at `position`.
    private static func attribute(_ header: UnsafeRawPointer, at position: Int) -> (Int, UInt16) {
        let size = Int(header.loadUnaligned(fromByteOffset: position, as: UInt16.self))
        let type = header.loadUnaligned(fromByteOffset: position + 2, as: UInt16.self) & ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
        return (size, type)
    }
}
