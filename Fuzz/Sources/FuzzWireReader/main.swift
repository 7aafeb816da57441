import ClusterModel
import Foundation

/// The bytes of one object, read as every wire type by the fast path. Wherever it accepts them,
/// JSONDecoder must decode the same bytes to an equal value: the fast path may decline anything, but
/// never accept what JSONDecoder refuses or read it differently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireReader(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    check(PodObject.self, bytes)
    check(NamespaceObject.self, bytes)
    check(NetworkPolicyObject.self, bytes)
    check(NodeObject.self, bytes)
    check(ClusterNetworkPolicyObject.self, bytes)
    check(LabelSelectorObject.self, bytes)
    return 0
}

private func check<T: JSONWireReadable & Decodable & Equatable>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let fast = T.readJSON(bytes) else { return }
    let exact: T
    do {
        exact = try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
        fatalError("the fast path read a \(T.self) that JSONDecoder refuses: \(error)")
    }
    precondition(fast == exact, "the fast path read a \(T.self) differently from JSONDecoder")
}
