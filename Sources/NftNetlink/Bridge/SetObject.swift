import CNftables
import Ruleset

enum SetObject {
    /// `id`: unique and non-zero within the batch; the kernel requires one on every NEWSET.
    static func make(_ set: SetAttributes, id: UInt32, in table: TableIdentity) -> NftnlObject {
        let object = reference(set.name, in: table)
        let attributes = object.attributes
        attributes.set(NFTNL_SET_ID, u32: id)
        attributes.set(NFTNL_SET_FLAGS, u32: set.flags)
        attributes.set(NFTNL_SET_KEY_TYPE, u32: set.keyType)
        attributes.set(NFTNL_SET_KEY_LEN, u32: set.keyLength)
        if set.isVerdictMap {
            attributes.set(NFTNL_SET_DATA_TYPE, u32: NFT_DATA_VERDICT.rawValue)
            attributes.set(NFTNL_SET_DATA_LEN, u32: 0)  // what nft 1.0.6 sends; the kernel ignores it
        }
        if let lengths = set.concatFieldLengths { attributes.set(NFTNL_SET_DESC_CONCAT, lengths) }
        if let size = set.size { attributes.set(NFTNL_SET_DESC_SIZE, u32: size) }
        attributes.set(NFTNL_SET_USERDATA, set.userData.bytes)
        return object
    }

    /// Just the name, to delete, flush or dump the set, or to carry elements; nil for every set of the
    /// table (a dump filter).
    static func reference(_ name: String?, in table: TableIdentity) -> NftnlObject {
        let object = NftnlObject(.set)
        object.attributes.set(NFTNL_SET_TABLE, string: table.name)
        if let name { object.attributes.set(NFTNL_SET_NAME, string: name) }
        object.attributes.set(NFTNL_SET_FAMILY, u32: UInt32(table.nfproto))
        return object
    }

    static func attributes(_ set: NftnlAttributes) -> SetAttributes {
        SetAttributes(name: set.string(NFTNL_SET_NAME) ?? "", flags: set.u32(NFTNL_SET_FLAGS) ?? 0,
                      keyType: set.u32(NFTNL_SET_KEY_TYPE) ?? 0, keyLength: set.u32(NFTNL_SET_KEY_LEN) ?? 0,
                      dataType: set.u32(NFTNL_SET_DATA_TYPE), size: set.u32(NFTNL_SET_DESC_SIZE), userData: UserData(bytes: set.bytes(NFTNL_SET_USERDATA) ?? []))
    }

    /// Hands new libnftnl elements to `set`, which owns them from then on.
    static func add(_ elements: some Sequence<WireElement>, to set: NftnlObject) {
        for element in elements {
            guard let pointer = nftnl_set_elem_alloc() else { fatalError("libnftnl: out of memory") }
            let attributes = NftnlAttributes(pointer: pointer, kind: .element)
            attributes.set(NFTNL_SET_ELEM_KEY, element.key)
            if let end = element.keyEnd { attributes.set(NFTNL_SET_ELEM_KEY_END, end) }
            if element.isIntervalEnd { attributes.set(NFTNL_SET_ELEM_FLAGS, u32: NFT_SET_ELEM_INTERVAL_END.rawValue) }
            if let verdict = element.verdict {
                attributes.set(NFTNL_SET_ELEM_VERDICT, i32: verdict.code)
                if let chain = verdict.chainName { attributes.set(NFTNL_SET_ELEM_CHAIN, string: chain) }
            }
            if element.isOpenInterval {
                var data = UserData()
                data.append(UserDataType.elementFlags, u32: UserDataType.elementIntervalOpen)
                attributes.set(NFTNL_SET_ELEM_USERDATA, data.bytes)
            }
            nftnl_set_elem_add(set.pointer, pointer)
        }
    }

    /// The elements a GETSETELEM dump put into `set`.
    static func elements(_ set: NftnlObject) throws(WireDecodingError) -> [WireElement] {
        var elements: [WireElement] = []
        guard let iterator = nftnl_set_elems_iter_create(set.pointer) else { return [] }
        defer { nftnl_set_elems_iter_destroy(iterator) }
        // iter_next returns the current element, then advances.
        while let pointer = nftnl_set_elems_iter_next(iterator) {
            let attributes = NftnlAttributes(pointer: pointer, kind: .element)
            guard let key = attributes.bytes(NFTNL_SET_ELEM_KEY) else { throw .unexpected("element without a key") }
            var element = WireElement(key: key, keyEnd: attributes.bytes(NFTNL_SET_ELEM_KEY_END))
            element.isIntervalEnd = (attributes.u32(NFTNL_SET_ELEM_FLAGS) ?? 0) & NFT_SET_ELEM_INTERVAL_END.rawValue != 0
            if let code = attributes.i32(NFTNL_SET_ELEM_VERDICT) {
                element.verdict = try Verdict(code: code, chain: attributes.string(NFTNL_SET_ELEM_CHAIN))
            }
            elements.append(element)
        }
        return elements
    }
}

extension WireElement {
    /// Bytes this element takes in a NEWSETELEM message (netlink attributes, 4-byte aligned), so
    /// messages can be cut below the 64 KiB limit of the element list.
    var encodedSize: Int {
        func attribute(_ payload: Int) -> Int { 4 + (payload + 3) / 4 * 4 }
        var size = attribute(0) + attribute(attribute(key.count))
        if let keyEnd { size += attribute(attribute(keyEnd.count)) }
        if isIntervalEnd { size += attribute(4) }
        if isOpenInterval { size += attribute(6) }
        if let verdict {
            let chain = verdict.chainName.map { attribute($0.utf8.count + 1) } ?? 0
            size += attribute(attribute(attribute(4) + chain))
        }
        return size
    }
}
