import CNftables

/// One kind of libnftnl object: how to allocate, free and reach its attributes. Every kind has the same
/// accessor shapes, so one set of helpers serves tables, chains, sets, elements, rules, stateful objects
/// (counters) and expressions.
struct NftnlKind: Sendable {
    let allocate: @Sendable () -> OpaquePointer?
    let free: @Sendable (OpaquePointer) -> Void
    let setData: @Sendable (OpaquePointer, UInt16, UnsafeRawPointer, UInt32) -> Void
    let getData: @Sendable (OpaquePointer, UInt16, UnsafeMutablePointer<UInt32>) -> UnsafeRawPointer?
    let isSet: @Sendable (OpaquePointer, UInt16) -> Bool

    static let table = NftnlKind(
        allocate: nftnl_table_alloc, free: nftnl_table_free,
        setData: { _ = nftnl_table_set_data($0, $1, $2, $3) }, getData: nftnl_table_get_data, isSet: nftnl_table_is_set)
    static let chain = NftnlKind(
        allocate: nftnl_chain_alloc, free: nftnl_chain_free,
        setData: { _ = nftnl_chain_set_data($0, $1, $2, $3) }, getData: nftnl_chain_get_data, isSet: nftnl_chain_is_set)
    static let set = NftnlKind(
        allocate: nftnl_set_alloc, free: nftnl_set_free,
        setData: { _ = nftnl_set_set_data($0, $1, $2, $3) }, getData: nftnl_set_get_data, isSet: nftnl_set_is_set)
    static let element = NftnlKind(
        allocate: nftnl_set_elem_alloc, free: nftnl_set_elem_free,
        setData: { _ = nftnl_set_elem_set($0, $1, $2, $3) }, getData: nftnl_set_elem_get, isSet: nftnl_set_elem_is_set)
    static let rule = NftnlKind(
        allocate: nftnl_rule_alloc, free: nftnl_rule_free,
        setData: { _ = nftnl_rule_set_data($0, $1, $2, $3) }, getData: nftnl_rule_get_data, isSet: nftnl_rule_is_set)
    static let object = NftnlKind(
        allocate: nftnl_obj_alloc, free: nftnl_obj_free,
        setData: { nftnl_obj_set_data($0, $1, $2, $3) }, getData: nftnl_obj_get_data, isSet: nftnl_obj_is_set)
    static let gen = NftnlKind(
        allocate: nftnl_gen_alloc, free: nftnl_gen_free,
        setData: { _ = nftnl_gen_set_data($0, $1, $2, $3) }, getData: nftnl_gen_get_data, isSet: nftnl_gen_is_set)

    /// Expressions are allocated by name (`nftnl_expr_alloc("meta")`), see `NftnlAttributes.expression`.
    static let expression = NftnlKind(
        allocate: { nil }, free: nftnl_expr_free,
        setData: { _ = nftnl_expr_set($0, $1, $2, $3) }, getData: nftnl_expr_get, isSet: nftnl_expr_is_set)
}

/// A libnftnl object this code owns; freed with it.
final class NftnlObject {
    let attributes: NftnlAttributes

    init(_ kind: NftnlKind) {
        // libnftnl allocations fail only when malloc does.
        guard let pointer = kind.allocate() else { fatalError("libnftnl: out of memory") }
        attributes = NftnlAttributes(pointer: pointer, kind: kind)
    }

    var pointer: OpaquePointer { attributes.pointer }

    deinit { attributes.kind.free(attributes.pointer) }
}

/// Typed access to the attributes of a libnftnl object, owned or not (elements belong to their set,
/// expressions to their rule). Integers are in host order; libnftnl converts them on the wire.
struct NftnlAttributes {
    let pointer: OpaquePointer
    let kind: NftnlKind

    static func expression(_ name: String) -> NftnlAttributes {
        guard let pointer = nftnl_expr_alloc(name) else { fatalError("libnftnl: out of memory") }
        return NftnlAttributes(pointer: pointer, kind: .expression)
    }

    func set(_ attribute: some NftnlAttribute, _ bytes: [UInt8]) {
        // An empty array need not have an address; libnftnl wants one even for zero bytes.
        (bytes.isEmpty ? [0] : bytes).withUnsafeBytes { storage in
            guard let start = storage.baseAddress else { return }
            kind.setData(pointer, attribute.attributeID, start, UInt32(bytes.count))
        }
    }

    /// Without an array in between: a full apply sets hundreds of thousands of element attributes.
    func set(_ attribute: some NftnlAttribute, u32 value: UInt32) {
        withUnsafeBytes(of: value) { kind.setData(pointer, attribute.attributeID, $0.baseAddress!, 4) }
    }

    func set(_ attribute: some NftnlAttribute, i32 value: Int32) { set(attribute, u32: UInt32(bitPattern: value)) }

    func set(_ attribute: some NftnlAttribute, u64 value: UInt64) {
        set(attribute, withUnsafeBytes(of: value) { Array($0) })
    }

    func set(_ attribute: some NftnlAttribute, u8 value: UInt8) { set(attribute, [value]) }

    func set(_ attribute: some NftnlAttribute, u16 value: UInt16) {
        set(attribute, withUnsafeBytes(of: value) { Array($0) })
    }

    func set(_ attribute: some NftnlAttribute, string: String) {
        string.withCString { kind.setData(pointer, attribute.attributeID, $0, UInt32(string.utf8.count + 1)) }
    }

    func bytes(_ attribute: some NftnlAttribute) -> [UInt8]? {
        guard kind.isSet(pointer, attribute.attributeID) else { return nil }
        var length: UInt32 = 0
        guard let data = kind.getData(pointer, attribute.attributeID, &length) else { return nil }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(length)))
    }

    func u32(_ attribute: some NftnlAttribute) -> UInt32? {
        guard let bytes = bytes(attribute), bytes.count == 4 else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    func i32(_ attribute: some NftnlAttribute) -> Int32? { u32(attribute).map { Int32(bitPattern: $0) } }

    func u64(_ attribute: some NftnlAttribute) -> UInt64? {
        guard let bytes = bytes(attribute), bytes.count == 8 else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    func u8(_ attribute: some NftnlAttribute) -> UInt8? { bytes(attribute).flatMap { $0.count == 1 ? $0[0] : nil } }

    func u16(_ attribute: some NftnlAttribute) -> UInt16? {
        guard let bytes = bytes(attribute), bytes.count == 2 else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
    }

    /// libnftnl keeps strings NUL-terminated, and reports some lengths wrongly (chain type: 4): read to the NUL.
    func string(_ attribute: some NftnlAttribute) -> String? {
        guard kind.isSet(pointer, attribute.attributeID) else { return nil }
        var length: UInt32 = 0
        return kind.getData(pointer, attribute.attributeID, &length).map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
    }
}

/// libnftnl attribute ids: anonymous C enums import as Int, named ones as structs.
protocol NftnlAttribute {
    var attributeID: UInt16 { get }
}

extension Int: NftnlAttribute { var attributeID: UInt16 { UInt16(self) } }
extension nftnl_table_attr: NftnlAttribute { var attributeID: UInt16 { UInt16(rawValue) } }
extension nftnl_chain_attr: NftnlAttribute { var attributeID: UInt16 { UInt16(rawValue) } }
extension nftnl_set_attr: NftnlAttribute { var attributeID: UInt16 { UInt16(rawValue) } }
extension nftnl_rule_attr: NftnlAttribute { var attributeID: UInt16 { UInt16(rawValue) } }
