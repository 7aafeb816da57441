import ClusterModel
import Foundation

/// A JSON object, decoded and validated as each kind the agent enforces with.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzObjectModel(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let json = Data(bytes: data, count: size)
    let decoder = JSONDecoder()
    if let object = try? decoder.decode(NamespaceObject.self, from: json) { _ = try? Namespace(validating: object) }
    if let object = try? decoder.decode(PodObject.self, from: json) { _ = try? Pod(validating: object) }
    if let object = try? decoder.decode(NetworkPolicyObject.self, from: json) { _ = try? NetworkPolicy(validating: object) }
    return 0
}
