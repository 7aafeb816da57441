import CNftables
import Ruleset

/// Named counters ↔ libnftnl stateful objects of type NFT_OBJECT_COUNTER.
enum CounterObject {
    /// A counter's declaration, with zero values as nft sends them.
    static func make(_ counter: NamedCounter, in table: TableIdentity) -> NftnlObject {
        let object = reference(counter.name, in: table)
        object.attributes.set(NFTNL_OBJ_CTR_PKTS, u64: 0)
        object.attributes.set(NFTNL_OBJ_CTR_BYTES, u64: 0)
        StatefulObject.setComment(counter.comment, of: object)
        return object
    }

    /// Just the name, to delete the counter; nil for every object of the table, of any type (a dump filter).
    static func reference(_ name: String?, in table: TableIdentity) -> NftnlObject {
        StatefulObject.reference(name, type: NFT_OBJECT_COUNTER, in: table)
    }

    static func table(_ object: NftnlAttributes) -> String? { object.string(NFTNL_OBJ_TABLE) }

    static func isCounter(_ object: NftnlAttributes) -> Bool { StatefulObject.isOfType(NFT_OBJECT_COUNTER, object) }

    static func declaration(_ object: NftnlAttributes) -> NamedCounter {
        NamedCounter(name: StatefulObject.name(object), comment: StatefulObject.comment(object))
    }

    /// The values of a dumped counter.
    static func values(_ object: NftnlAttributes) -> (name: String, values: CounterValues) {
        (object.string(NFTNL_OBJ_NAME) ?? "",
         CounterValues(packets: object.u64(NFTNL_OBJ_CTR_PKTS) ?? 0, bytes: object.u64(NFTNL_OBJ_CTR_BYTES) ?? 0))
    }
}
