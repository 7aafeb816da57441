import CNftables
import Ruleset

/// A set declaration as NEWSET attributes, exactly as nft 1.0.6 sends them, and back.
struct SetAttributes: Hashable {
    var name: String
    var flags: UInt32
    var keyType: UInt32
    var keyLength: UInt32
    var isVerdictMap: Bool
    /// NFTNL_SET_DESC_CONCAT: unpadded field lengths; the kernel needs them for concatenated intervals.
    var concatFieldLengths: [UInt8]?
    /// NFTNL_SET_DESC_SIZE, sent only when the set has a kernel size.
    var size: UInt32?
    var userData: UserData

    init(_ set: NamedSet) {
        let layout = KeyLayout(set.keyType)
        let concatInterval = set.isInterval && layout.isConcatenation
        name = set.name
        flags = (set.isInterval ? NFT_SET_INTERVAL.rawValue : 0) | (set.isVerdictMap ? NFT_SET_MAP.rawValue : 0)
            | (concatInterval ? NFT_SET_CONCAT.rawValue : 0)
        keyType = layout.typeID
        keyLength = UInt32(layout.keyLength)
        isVerdictMap = set.isVerdictMap
        concatFieldLengths = concatInterval ? set.keyType.map { UInt8($0.byteLength) } : nil
        size = set.kernelSize
        userData = Self.userData(set, layout: layout)
    }

    init(name: String, flags: UInt32, keyType: UInt32, keyLength: UInt32, dataType: UInt32?, size: UInt32?, userData: UserData) {
        self.name = name
        self.flags = flags
        self.keyType = keyType
        self.keyLength = keyLength
        isVerdictMap = dataType == NFT_DATA_VERDICT.rawValue
        concatFieldLengths = nil
        self.size = size
        self.userData = userData
    }

    /// The declaration this agent would have sent these attributes for (elements left empty).
    func declaration() throws(WireDecodingError) -> NamedSet {
        let known = NFT_SET_INTERVAL.rawValue | NFT_SET_MAP.rawValue | NFT_SET_CONCAT.rawValue
        guard flags & ~known == 0, isVerdictMap == (flags & NFT_SET_MAP.rawValue != 0),
              let types = KeyLayout.decode(typeID: keyType), KeyLayout(types).keyLength == keyLength
        else { throw .unexpected("set \(name): flags \(flags), key type \(keyType), key length \(keyLength)") }
        return NamedSet(name: name, keyType: types, isInterval: flags & NFT_SET_INTERVAL.rawValue != 0,
                        isVerdictMap: isVerdictMap, comment: userData.string(UserDataType.setComment), kernelSize: size)
    }

    /// nft's records, in its order: key byte order, data byte order, concatenation marker, data interval, comment.
    private static func userData(_ set: NamedSet, layout: KeyLayout) -> UserData {
        let bigEndian: UInt32 = 2, unspecified: UInt32 = 0
        var data = UserData()
        let keyIsBigEndian = !layout.isConcatenation && set.keyType[0] != .inetProtocol
        data.append(UserDataType.setKeyByteOrder, u32: keyIsBigEndian ? bigEndian : unspecified)
        if set.isVerdictMap { data.append(UserDataType.setDataByteOrder, u32: unspecified) }
        if layout.isConcatenation {
            // nft's typeof record for a concatenation declared by type: expression kind 13 (concat), no members.
            var typeof = UserData()
            typeof.append(0, u32: 13)
            typeof.append(1, [])
            data.append(UserDataType.setKeyTypeof, typeof.bytes)
        }
        if set.isVerdictMap { data.append(UserDataType.setDataInterval, u32: 0) }
        if let comment = set.comment { data.append(UserDataType.setComment, string: comment) }
        return data
    }
}
