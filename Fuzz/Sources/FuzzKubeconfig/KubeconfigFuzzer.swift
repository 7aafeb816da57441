import Foundation
import KubeClient

/// One scratch file per fuzzer process: the loader reads kubeconfigs from paths.
private let file = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-kubeconfig-\(getpid()).yaml")

/// A kubeconfig file, loaded as `--kubeconfig FILE` loads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubeconfig(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    do {
        try Data(bytes: data, count: size).write(to: file)
    } catch {
        fatalError("cannot write \(file.path): \(error)")
    }
    _ = try? KubeconfigLoader.load(paths: [file.path])
    return 0
}
