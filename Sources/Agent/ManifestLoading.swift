import ArgumentParser
import ClusterModel
import Compiler
import Foundation
import Manifests

/// Reads every manifest, keeps every valid object, and reports every problem (not only the first).
enum ManifestLoading {
    struct Result<Loaded> {
        var loaded: Loaded
        var notes: [String]
        var errors: [String]

        /// What was loaded, after the notes on stderr; with any error, every error on stderr and exit code 1.
        func checked() throws -> Loaded {
            for note in notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            guard errors.isEmpty else {
                for error in errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
                throw ExitCode(1)
            }
            return loaded
        }
    }

    static func load(paths: [String]) -> Result<ClusterState> {
        let manifests = LoadedManifests(paths: paths)
        return Result(loaded: manifests.cluster, notes: notes(manifests), errors: manifests.errors)
    }

    /// `compiler` with every valid object added (`CompilingAhead`), no ruleset emitted yet.
    static func compile(paths: [String], into compiler: NodeCompiler) -> Result<NodeCompiler> {
        let (manifests, compiler) = CompilingAhead.load(paths: paths, into: compiler)
        return Result(loaded: compiler, notes: notes(manifests), errors: manifests.errors)
    }

    private static func notes(_ manifests: LoadedManifests) -> [String] {
        manifests.skipped.map { "\($0.source): skipping \($0.kind)" }
    }
}
