import ClusterModel
import Compiler
import Manifests

/// Reads every manifest, keeps every valid object, and reports every problem (not only the first).
enum ManifestLoading {
    struct Result {
        var cluster: ClusterState
        var notes: [String]
        var errors: [String]
    }

    static func load(paths: [String]) -> Result {
        let loaded = LoadedManifests(paths: paths)
        return Result(cluster: loaded.cluster, notes: loaded.skipped.map { "\($0.source): skipping \($0.kind)" }, errors: loaded.errors)
    }
}
