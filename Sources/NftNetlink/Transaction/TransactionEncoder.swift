import CNftables
import Ruleset

/// Operations on one table → the messages of one batch, in the operations' order.
struct TransactionEncoder {
    let table: TableIdentity
    let linearizer: RuleLinearizer
    /// The element list of an element message must stay below 64 KiB (nla_len is 16 bits).
    static let elementBytesPerMessage = 60_000

    /// `sets`: declarations of the sets rules may look up, besides those the operations add.
    init(table: TableIdentity, operations: [RulesetOperation], sets: [NamedSet]) {
        let isConcatenatedInterval = { (set: NamedSet) in set.isInterval && set.keyType.count > 1 }
        var names = Set(sets.lazy.filter(isConcatenatedInterval).map(\.name))
        for case .addSet(let set) in operations where isConcatenatedInterval(set) { names.insert(set.name) }
        self.table = table
        linearizer = RuleLinearizer { [names] in names.contains($0) }
    }

    /// Appends every operation's messages; returns the encoded elements of element operations, by
    /// operation index, so errors can name the element concerned.
    func encode(_ operations: [RulesetOperation], into batch: Batch) throws -> [Int: [WireElement]] {
        var elements: [Int: [WireElement]] = [:]
        let create = Int32(NLM_F_CREATE)
        for (index, operation) in operations.enumerated() {
            func message(_ type: nf_tables_msg_types, flags: Int32 = 0, payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws {
                try batch.append(type.rawValue, family: table.nfproto, flags: flags, operation: index, payload: payload)
            }
            switch operation {
            case .addTable(let comment):
                let object = TableObject.make(table, comment: comment)
                try message(NFT_MSG_NEWTABLE, flags: create) { nftnl_table_nlmsg_build_payload($0, object.pointer) }
            case .deleteTable:
                let object = TableObject.make(table, comment: nil)
                try message(NFT_MSG_DELTABLE) { nftnl_table_nlmsg_build_payload($0, object.pointer) }
            case .addChain(let chain):
                let object = ChainObject.make(chain.name, declaration: chain, in: table)
                try message(NFT_MSG_NEWCHAIN, flags: create) { nftnl_chain_nlmsg_build_payload($0, object.pointer) }
            case .flushChain(let name):
                let object = RuleObject.make(nil, chain: name, in: table, linearizer: linearizer)
                try message(NFT_MSG_DELRULE) { nftnl_rule_nlmsg_build_payload($0, object.pointer) }
            case .deleteChain(let name):
                let object = ChainObject.make(name, declaration: nil, in: table)
                try message(NFT_MSG_DELCHAIN) { nftnl_chain_nlmsg_build_payload($0, object.pointer) }
            case .addRule(let chain, let rule):
                let object = RuleObject.make(rule, chain: chain, in: table, linearizer: linearizer)
                try message(NFT_MSG_NEWRULE, flags: create | Int32(NLM_F_APPEND)) { nftnl_rule_nlmsg_build_payload($0, object.pointer) }
            case .addSet(let set):
                let object = SetObject.make(SetAttributes(set), id: UInt32(index + 1), in: table)
                try message(NFT_MSG_NEWSET, flags: create) { nftnl_set_nlmsg_build_payload($0, object.pointer) }
            case .deleteSet(let name):
                let object = SetObject.reference(name, in: table)
                try message(NFT_MSG_DELSET) { nftnl_set_nlmsg_build_payload($0, object.pointer) }
            case .flushSet(let name):
                // A DELSETELEM without an element list deletes them all.
                let object = SetObject.reference(name, in: table)
                try message(NFT_MSG_DELSETELEM) { nftnl_set_elems_nlmsg_build_payload($0, object.pointer) }
            case .addCounter(let counter):
                let object = CounterObject.make(counter, in: table)
                try message(NFT_MSG_NEWOBJ, flags: create) { nftnl_obj_nlmsg_build_payload($0, object.pointer) }
            case .deleteCounter(let name):
                let object = CounterObject.reference(name, in: table)
                try message(NFT_MSG_DELOBJ) { nftnl_obj_nlmsg_build_payload($0, object.pointer) }
            case .addLimit(let limit):
                let object = LimitObject.make(limit, in: table)
                try message(NFT_MSG_NEWOBJ, flags: create) { nftnl_obj_nlmsg_build_payload($0, object.pointer) }
            case .deleteLimit(let name):
                let object = LimitObject.reference(name, in: table)
                try message(NFT_MSG_DELOBJ) { nftnl_obj_nlmsg_build_payload($0, object.pointer) }
            case .addElements(let set):
                let wire = ElementEncoding.encode(set, adding: true)
                elements[index] = wire
                try appendElements(wire, of: set.name, type: NFT_MSG_NEWSETELEM, flags: create, operation: index, to: batch)
            case .deleteElements(let set):
                let wire = ElementEncoding.encode(set, adding: false)
                elements[index] = wire
                try appendElements(wire, of: set.name, type: NFT_MSG_DELSETELEM, flags: 0, operation: index, to: batch)
            }
        }
        return elements
    }

    /// As many messages as the 64 KiB limit of an element list requires.
    private func appendElements(_ wire: [WireElement], of set: String, type: nf_tables_msg_types, flags: Int32,
                                operation: Int, to batch: Batch) throws {
        var start = 0
        while start < wire.count {
            var end = start, bytes = 0
            while end < wire.count, end == start || bytes + wire[end].encodedSize <= Self.elementBytesPerMessage {
                bytes += wire[end].encodedSize
                end += 1
            }
            let carrier = SetObject.reference(set, in: table)
            SetObject.add(wire[start..<end], to: carrier)
            try batch.append(type.rawValue, family: table.nfproto, flags: flags, operation: operation, elements: start..<end) {
                nftnl_set_elems_nlmsg_build_payload($0, carrier.pointer)
            }
            start = end
        }
    }
}
