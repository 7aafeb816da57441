import CNftables
import Ruleset

/// Named limits ↔ libnftnl stateful objects of type NFT_OBJECT_LIMIT: a packet rate per second with a
/// burst, as nft 1.0.6 sends `limit NAME { rate R/second burst B packets }` (type packets, no flags).
enum LimitObject {
    static func make(_ limit: NamedLimit, in table: TableIdentity) -> NftnlObject {
        let object = reference(limit.name, in: table)
        object.attributes.set(NFTNL_OBJ_LIMIT_RATE, u64: limit.packetsPerSecond)
        object.attributes.set(NFTNL_OBJ_LIMIT_UNIT, u64: 1)
        object.attributes.set(NFTNL_OBJ_LIMIT_BURST, u32: limit.burst)
        object.attributes.set(NFTNL_OBJ_LIMIT_TYPE, u32: NFT_LIMIT_PKTS.rawValue)
        object.attributes.set(NFTNL_OBJ_LIMIT_FLAGS, u32: 0)
        StatefulObject.setComment(limit.comment, of: object)
        return object
    }

    static func reference(_ name: String, in table: TableIdentity) -> NftnlObject {
        StatefulObject.reference(name, type: NFT_OBJECT_LIMIT, in: table)
    }

    static func isLimit(_ object: NftnlAttributes) -> Bool { StatefulObject.isOfType(NFT_OBJECT_LIMIT, object) }

    /// The declaration of a dumped limit; a byte limit, an inverted one (`rate over`) or another unit is not ours.
    static func declaration(_ object: NftnlAttributes) throws(WireDecodingError) -> NamedLimit {
        let name = StatefulObject.name(object)
        guard let rate = object.u64(NFTNL_OBJ_LIMIT_RATE), object.u64(NFTNL_OBJ_LIMIT_UNIT) == 1,
              let burst = object.u32(NFTNL_OBJ_LIMIT_BURST), object.u32(NFTNL_OBJ_LIMIT_TYPE) ?? 0 == NFT_LIMIT_PKTS.rawValue,
              object.u32(NFTNL_OBJ_LIMIT_FLAGS) ?? 0 == 0
        else { throw .unexpected("limit \(name) with attributes this agent never writes") }
        return NamedLimit(name: name, packetsPerSecond: rate, burst: burst, comment: StatefulObject.comment(object))
    }
}
