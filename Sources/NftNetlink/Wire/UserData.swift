/// nftables user data: type-length-value records (one byte each for type and length) that the kernel
/// stores untouched. nft reads them back to print comments, key byte orders and interval ends.
struct UserData: Hashable {
    private(set) var bytes: [UInt8] = []

    init() {}

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func append(_ type: UInt8, _ value: [UInt8]) {
        precondition(value.count <= UInt8.max, "user data record too long")
        bytes += [type, UInt8(value.count)] + value
    }

    /// Host byte order, as nftnl_udata_put_u32 writes it.
    mutating func append(_ type: UInt8, u32 value: UInt32) {
        append(type, withUnsafeBytes(of: value) { Array($0) })
    }

    /// NUL-terminated, as nftnl_udata_put_strz writes it.
    mutating func append(_ type: UInt8, string: String) {
        append(type, Array(string.utf8) + [0])
    }

    /// The first record of `type`, if the buffer parses.
    func value(_ type: UInt8) -> ArraySlice<UInt8>? {
        var offset = 0
        while offset + 2 <= bytes.count {
            let length = Int(bytes[offset + 1]), start = offset + 2
            guard start + length <= bytes.count else { return nil }
            if bytes[offset] == type { return bytes[start..<start + length] }
            offset = start + length
        }
        return nil
    }

    func string(_ type: UInt8) -> String? {
        guard let value = value(type) else { return nil }
        return String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }

    func u32(_ type: UInt8) -> UInt32? {
        guard let value = value(type), value.count == 4 else { return nil }
        return value.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }
}

/// Record types nft and libnftnl use (libnftnl/udata.h).
enum UserDataType {
    /// Table, chain, rule and object (counter) comments.
    static let comment: UInt8 = 0
    static let setKeyByteOrder: UInt8 = 0
    static let setDataByteOrder: UInt8 = 1
    static let setKeyTypeof: UInt8 = 3
    static let setDataInterval: UInt8 = 6
    static let setComment: UInt8 = 7
    static let elementFlags: UInt8 = 1
    /// NFTNL_SET_ELEM_F_INTERVAL_OPEN: the range runs to the highest value, so it has no end element.
    static let elementIntervalOpen: UInt32 = 1
}
