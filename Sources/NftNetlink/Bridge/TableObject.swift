import CNftables
import Ruleset

/// The agent's table as named in every message.
public struct TableIdentity: Hashable, Sendable, CustomStringConvertible {
    public var family: TableFamily
    public var name: String

    public init(family: TableFamily = .inet, name: String) {
        self.family = family
        self.name = name
    }

    public var description: String { "\(family.rawValue) \(name)" }

    /// NFPROTO_* of the family, the nfgenmsg family of every message.
    var nfproto: UInt16 {
        switch family {
        case .inet: return UInt16(NFPROTO_INET)
        }
    }
}

enum TableObject {
    static func make(_ table: TableIdentity, comment: String?) -> NftnlObject {
        let object = NftnlObject(.table)
        object.attributes.set(NFTNL_TABLE_NAME, string: table.name)
        object.attributes.set(NFTNL_TABLE_FAMILY, u32: UInt32(table.nfproto))
        object.attributes.set(NFTNL_TABLE_FLAGS, u32: 0)
        if let comment {
            var data = UserData()
            data.append(UserDataType.comment, string: comment)
            object.attributes.set(NFTNL_TABLE_USERDATA, data.bytes)
        }
        return object
    }

    static func comment(_ table: NftnlAttributes) -> String? {
        table.bytes(NFTNL_TABLE_USERDATA).flatMap { UserData(bytes: $0).string(UserDataType.comment) }
    }
}
