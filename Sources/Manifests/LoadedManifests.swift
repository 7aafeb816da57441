import Compiler

/// Every valid object of some manifests, built into cluster state, and every problem (not only the
/// first). Objects go to the builder one at a time, as they are decoded, so no file's documents or
/// nodes are held at once.
public struct LoadedManifests {
    public var cluster: ClusterState
    /// Objects of a kind the agent does not read.
    public var skipped: [(source: String, kind: String)] = []
    public var errors: [String] = []

    public init(paths: [String]) {
        var builder = ClusterBuilder()
        var skipped: [(source: String, kind: String)] = [], errors: [String] = []
        // A large YAML file's objects come while it is still parsed; should it go to today's path after
        // all, what it added is taken back (the builder is a value: the copy is the checkpoint).
        var checkpoint: (builder: ClusterBuilder, skipped: Int, errors: Int)?
        ManifestReader.forEachDocument(paths: paths, tentative: { step in
            switch step {
            case .begin: checkpoint = (builder, skipped.count, errors.count)
            case .keep: checkpoint = nil
            case .takeBack:
                guard let saved = checkpoint else { return }
                builder = saved.builder
                skipped.removeSubrange(saved.skipped...)
                errors.removeSubrange(saved.errors...)
                checkpoint = nil
            }
        }) { source, loaded in
            switch loaded {
            case .success(.object(let object)): builder.add(object)
            case .success(.skipped(let kind)): skipped.append((source(), kind))
            case .success(.invalid(let error)): errors.append("\(source()): \(error)")
            case .failure(let error): errors.append(error.description)
            }
        }
        (cluster, self.skipped, self.errors) = (builder.state, skipped, errors)
    }
}
