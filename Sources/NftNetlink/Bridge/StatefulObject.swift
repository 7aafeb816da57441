import CNftables

/// What counter and limit objects share: how libnftnl names one, and its comment.
enum StatefulObject {
    /// Just the name and type, to create or delete the object; nil for every object of the table, of any
    /// type (a dump filter).
    static func reference(_ name: String?, type: Int32, in table: TableIdentity) -> NftnlObject {
        let object = NftnlObject(.object)
        object.attributes.set(NFTNL_OBJ_TABLE, string: table.name)
        object.attributes.set(NFTNL_OBJ_FAMILY, u32: UInt32(table.nfproto))
        if let name {
            object.attributes.set(NFTNL_OBJ_NAME, string: name)
            // The kernel looks objects up by type and name. libnftnl needs the type before any typed attribute.
            object.attributes.set(NFTNL_OBJ_TYPE, u32: UInt32(type))
        }
        return object
    }

    static func setComment(_ comment: String?, of object: NftnlObject) {
        guard let comment else { return }
        var data = UserData()
        data.append(UserDataType.comment, string: comment)
        object.attributes.set(NFTNL_OBJ_USERDATA, data.bytes)
    }

    static func comment(_ object: NftnlAttributes) -> String? {
        object.bytes(NFTNL_OBJ_USERDATA).flatMap { UserData(bytes: $0).string(UserDataType.comment) }
    }

    static func name(_ object: NftnlAttributes) -> String { object.string(NFTNL_OBJ_NAME) ?? "" }

    static func isOfType(_ type: Int32, _ object: NftnlAttributes) -> Bool { object.u32(NFTNL_OBJ_TYPE) == UInt32(type) }
}
