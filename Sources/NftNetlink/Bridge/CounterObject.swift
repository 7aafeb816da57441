import CNftables
import Ruleset

/// Named counters ↔ libnftnl stateful objects of type NFT_OBJECT_COUNTER.
enum CounterObject {
    /// A counter's declaration, with zero values as nft sends them.
    static func make(_ counter: NamedCounter, in table: TableIdentity) -> NftnlObject {
        let object = reference(counter.name, in: table)
        object.attributes.set(NFTNL_OBJ_CTR_PKTS, u64: 0)
        object.attributes.set(NFTNL_OBJ_CTR_BYTES, u64: 0)
        if let comment = counter.comment {
            var data = UserData()
            data.append(UserDataType.comment, string: comment)
            object.attributes.set(NFTNL_OBJ_USERDATA, data.bytes)
        }
        return object
    }

    /// Just the name, to delete the counter; nil for every object of the table, of any type (a dump filter).
    static func reference(_ name: String?, in table: TableIdentity) -> NftnlObject {
        let object = NftnlObject(.object)
        object.attributes.set(NFTNL_OBJ_TABLE, string: table.name)
        object.attributes.set(NFTNL_OBJ_FAMILY, u32: UInt32(table.nfproto))
        if let name {
            object.attributes.set(NFTNL_OBJ_NAME, string: name)
            // The kernel looks objects up by type and name. libnftnl needs the type before any counter attribute.
            object.attributes.set(NFTNL_OBJ_TYPE, u32: UInt32(NFT_OBJECT_COUNTER))
        }
        return object
    }

    static func table(_ object: NftnlAttributes) -> String? { object.string(NFTNL_OBJ_TABLE) }

    static func isCounter(_ object: NftnlAttributes) -> Bool { object.u32(NFTNL_OBJ_TYPE) == UInt32(NFT_OBJECT_COUNTER) }

    /// The declaration of a dumped object; any other type of object is not this agent's.
    static func declaration(_ object: NftnlAttributes) throws(WireDecodingError) -> NamedCounter {
        let name = object.string(NFTNL_OBJ_NAME) ?? ""
        guard isCounter(object) else {
            throw .unexpected("object \(name) of type \(object.u32(NFTNL_OBJ_TYPE).map(String.init) ?? "unknown to libnftnl")")
        }
        let comment = object.bytes(NFTNL_OBJ_USERDATA).flatMap { UserData(bytes: $0).string(UserDataType.comment) }
        return NamedCounter(name: name, comment: comment)
    }

    /// The values of a dumped counter.
    static func values(_ object: NftnlAttributes) -> (name: String, values: CounterValues) {
        (object.string(NFTNL_OBJ_NAME) ?? "",
         CounterValues(packets: object.u64(NFTNL_OBJ_CTR_PKTS) ?? 0, bytes: object.u64(NFTNL_OBJ_CTR_BYTES) ?? 0))
    }
}
