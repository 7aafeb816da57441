import CNftables
import Glibc

/// One nf_tables notification (multicast group NFNLGRP_NFTABLES), read only as far as the agent needs:
/// which table an object message touches, and the NEWGEN that closes each commit.
///
/// The kernel sends a commit's object messages in batch order, then NEWGEN in a datagram of its own
/// (net/netfilter/nf_tables_api.c, `nf_tables_commit`: `nft_commit_notify`, then `nf_tables_gen_notify`).
/// Every object message names its table in attribute 1, whatever its type (uapi nf_tables.h:
/// NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE,
/// NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE), and the family in nfgenmsg.
enum NftEvent: Equatable {
    /// NFT_MSG_NEWGEN: the commit that produced `generation` is complete.
    case generation(CommitStamp)
    /// An object message of a commit not yet closed.
    case object(family: UInt8, table: String, touch: TableTouch, portID: UInt32)

    /// nil for anything else (errors, messages of other subsystems, types the agent does not follow).
    init?(_ message: NetlinkMessage) {
        guard message.type >> 8 == UInt16(NFNL_SUBSYS_NFTABLES) else { return nil }
        let type = UInt32(message.type & 0xff)
        let attributes = Attributes(message)
        let portID = message.header.pointee.nlmsg_pid
        if type == NFT_MSG_NEWGEN.rawValue {
            // NFTA_GEN_ID, NFTA_GEN_PROC_PID (the committing thread), NFTA_GEN_PROC_NAME (its comm).
            guard let generation = attributes.u32(UInt16(NFTA_GEN_ID.rawValue)) else { return nil }
            self = .generation(CommitStamp(generation: generation, portID: portID,
                                           pid: attributes.u32(UInt16(NFTA_GEN_PROC_PID.rawValue)) ?? 0,
                                           command: attributes.string(UInt16(NFTA_GEN_PROC_NAME.rawValue)) ?? "?"))
            return
        }
        guard let (kind, removed, nameAttribute) = Self.object(type), let table = attributes.string(1) else { return nil }
        var touch = TableTouch(kind: kind, removed: removed, name: attributes.string(nameAttribute) ?? "")
        if kind == .object {
            switch attributes.u32(UInt16(NFTA_OBJ_TYPE.rawValue)) {
            case UInt32(NFT_OBJECT_COUNTER): touch.kind = .counter
            case UInt32(NFT_OBJECT_LIMIT): touch.kind = .limit
            default: break
            }
        }
        self = .object(family: message.family, table: table, touch: touch, portID: portID)
    }

    /// The kind of object a message type concerns, whether it removes it, and its name attribute.
    /// DESTROY* (kernel ≥ 6.3, absent from older uapi headers) count as deletions.
    private static func object(_ type: UInt32) -> (TableTouch.Kind, removed: Bool, name: UInt16)? {
        switch type {
        case NFT_MSG_NEWTABLE.rawValue: return (.table, false, 1)
        case NFT_MSG_DELTABLE.rawValue, 26: return (.table, true, 1)
        case NFT_MSG_NEWCHAIN.rawValue: return (.chain, false, UInt16(NFTA_CHAIN_NAME.rawValue))
        case NFT_MSG_DELCHAIN.rawValue, 27: return (.chain, true, UInt16(NFTA_CHAIN_NAME.rawValue))
        case NFT_MSG_NEWRULE.rawValue: return (.rule, false, UInt16(NFTA_RULE_CHAIN.rawValue))
        case NFT_MSG_DELRULE.rawValue, 28: return (.rule, true, UInt16(NFTA_RULE_CHAIN.rawValue))
        case NFT_MSG_NEWSET.rawValue: return (.set, false, UInt16(NFTA_SET_NAME.rawValue))
        case NFT_MSG_DELSET.rawValue, 29: return (.set, true, UInt16(NFTA_SET_NAME.rawValue))
        case NFT_MSG_NEWSETELEM.rawValue: return (.elements, false, UInt16(NFTA_SET_ELEM_LIST_SET.rawValue))
        case NFT_MSG_DELSETELEM.rawValue, 30: return (.elements, true, UInt16(NFTA_SET_ELEM_LIST_SET.rawValue))
        case NFT_MSG_NEWOBJ.rawValue: return (.object, false, UInt16(NFTA_OBJ_NAME.rawValue))
        case NFT_MSG_DELOBJ.rawValue, 31: return (.object, true, UInt16(NFTA_OBJ_NAME.rawValue))
        case NFT_MSG_NEWFLOWTABLE.rawValue: return (.flowtable, false, UInt16(NFTA_FLOWTABLE_NAME.rawValue))
        case NFT_MSG_DELFLOWTABLE.rawValue, 32: return (.flowtable, true, UInt16(NFTA_FLOWTABLE_NAME.rawValue))
        default: return nil
        }
    }

    /// The top-level attributes of one nftables message (after nfgenmsg), read by hand: no libnftnl object.
    private struct Attributes {
        private var values: [UInt16: UnsafeRawBufferPointer] = [:]

        init(_ message: NetlinkMessage) {
            let base = UnsafeRawPointer(message.header)
            let end = Int(message.header.pointee.nlmsg_len)
            var offset = MemoryLayout<nlmsghdr>.size + MemoryLayout<nfgenmsg>.size
            while offset + 4 <= end {
                let length = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                let type = base.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3fff  // NLA_TYPE_MASK
                guard length >= 4, offset + length <= end else { return }
                values[type] = UnsafeRawBufferPointer(start: base + offset + 4, count: length - 4)
                offset += Netlink.align(length)
            }
        }

        func u32(_ type: UInt16) -> UInt32? {
            guard let value = values[type], value.count == 4 else { return nil }
            return UInt32(bigEndian: value.loadUnaligned(as: UInt32.self))
        }

        func string(_ type: UInt16) -> String? {
            values[type].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
    }
}

/// Who committed a generation: NEWGEN's `nlmsg_pid` is the committing socket's port id, its PROC_PID
/// the committing thread's id (not the process id), its PROC_NAME that thread's comm.
public struct CommitStamp: Hashable, Sendable {
    public var generation: UInt32
    public var portID: UInt32
    public var pid: UInt32
    public var command: String
}

/// What one object message of a foreign commit did to the agent's table.
public struct TableTouch: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case table, chain, rule, set, elements, counter, limit, object, flowtable
    }

    public var kind: Kind
    /// DEL (or DESTROY) rather than NEW.
    public var removed: Bool
    /// The object's name; for rules their chain, for elements their set.
    public var name: String

    public init(kind: Kind, removed: Bool, name: String) {
        self.kind = kind
        self.removed = removed
        self.name = name
    }
}

/// A commit by someone else that touched the agent's table.
public struct ForeignChange: Hashable, Sendable, CustomStringConvertible {
    public var stamp: CommitStamp
    public var touches: [TableTouch]

    public var description: String {
        let what = touches.prefix(3).map { "\($0.removed ? "del" : "new") \($0.kind.rawValue) \($0.name)" }.joined(separator: ", ")
        return "\(stamp.command)[\(stamp.pid)] gen \(stamp.generation): \(what)\(touches.count > 3 ? ", … (\(touches.count))" : "")"
    }
}

extension NetlinkMessage {
    /// nfgenmsg.nfgen_family of an nftables message.
    var family: UInt8 { UnsafeRawPointer(header + 1).load(as: UInt8.self) }
}
