import Foundation
import KubeClient

/// A LIST response body, decoded as a page of each kind, as `APIClient.list` decodes it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzListPage(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let body = Data(bytes: data, count: size)
    let decoder = JSONDecoder()
    _ = try? decoder.decode(ObjectList<PodsResource.Object>.self, from: body)
    _ = try? decoder.decode(ObjectList<NamespacesResource.Object>.self, from: body)
    _ = try? decoder.decode(ObjectList<NetworkPoliciesResource.Object>.self, from: body)
    return 0
}
