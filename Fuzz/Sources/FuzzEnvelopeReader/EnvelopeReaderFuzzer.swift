import ClusterModel
import Foundation
@_spi(Fuzzing) import KubeClient

/// The bytes of one watch line and of one LIST page, read by the envelopes' fast paths as every kind.
/// Wherever a fast path accepts, JSONDecoder must decode the same bytes to the same event or page: the
/// fast path may decline anything, but never accept what JSONDecoder refuses, nor read it differently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelopeReader(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    check(PodObject.self, bytes)
    check(NamespaceObject.self, bytes)
    check(NetworkPolicyObject.self, bytes)
    check(NodeObject.self, bytes)
    check(ClusterNetworkPolicyObject.self, bytes)
    return 0
}

private func check<Object: KubernetesWireObject & Equatable>(_: Object.Type, _ bytes: UnsafeRawBufferPointer) {
    if let fast = WatchEvent<Object>.readJSON(bytes) {
        let exact = decoded(WatchEvent<Object>.self, bytes)
        precondition(EventReading(fast) == EventReading(exact), "the fast path read a \(Object.self) watch event differently from JSONDecoder")
    }
    if let fast = ObjectList<Object>.readJSON(bytes) {
        let exact = decoded(ObjectList<Object>.self, bytes)
        precondition(PageReading(fast) == PageReading(exact), "the fast path read a \(Object.self) LIST page differently from JSONDecoder")
    }
}

private func decoded<T: Decodable>(_: T.Type, _ bytes: UnsafeRawBufferPointer) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
        fatalError("the fast path read a \(T.self) that JSONDecoder refuses: \(error)")
    }
}

/// An event as far as the fast path reads one: its type and its object, which must be valid (an
/// object that JSONDecoder finds invalid, the fast path must not have read).
private struct EventReading<Object: KubernetesWireObject & Equatable>: Equatable {
    var type: String
    var object: ObjectReading<Object>

    init(_ event: WatchEvent<Object>) {
        switch event {
        case .added(let object): (type, self.object) = ("ADDED", ObjectReading(object))
        case .modified(let object): (type, self.object) = ("MODIFIED", ObjectReading(object))
        case .deleted(let object): (type, self.object) = ("DELETED", ObjectReading(object))
        case .bookmark(let version, let end): (type, object) = ("BOOKMARK \(version) \(end)", .invalid)
        case .error(let status): (type, object) = ("ERROR \(status)", .invalid)
        }
    }
}

private struct PageReading<Object: KubernetesWireObject & Equatable>: Equatable {
    var items: [ObjectReading<Object>]
    var resourceVersion: String
    var continueToken: String?

    init(_ page: ObjectList<Object>) {
        (items, resourceVersion, continueToken) = (page.items.map(ObjectReading.init), page.resourceVersion, page.continueToken)
    }
}

private enum ObjectReading<Object: KubernetesWireObject & Equatable>: Equatable {
    case valid(Object)
    case invalid

    init(_ object: DecodedObject<Object>) {
        if case .valid(let value) = object { self = .valid(value) } else { self = .invalid }
    }
}
