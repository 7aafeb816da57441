import ClusterModel
import Compiler
import Manifests
import Ruleset

/// A manifest file (YAML or JSON): read, each object decoded and validated, the valid ones compiled
/// for node-1 and rendered, as `agent --dry-run` does with files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard let text = String(validating: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self),
          let documents = try? ManifestReader.parse(text, source: "fuzz.yaml") else { return 0 }
    var builder = ClusterBuilder()
    for document in documents {
        if case .object(let object)? = try? document.decode() { try? builder.add(object) }
    }
    _ = NftTextRenderer.render(PolicyCompiler.compile(builder.state, node: "node-1"))
    return 0
}
