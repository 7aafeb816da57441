import Compiler

/// Every valid object of some manifests, built into cluster state, and every problem (not only the
/// first). Objects go to the builder one at a time, as they are decoded, so no file's documents or
/// nodes are held at once.
public struct LoadedManifests {
    private let builder: ClusterBuilder
    /// Objects of a kind the agent does not read.
    public var skipped: [(source: String, kind: String)] = []
    public var errors: [String] = []

    /// `alongside` takes each valid object too, as it comes, once no file can take it back; `upcoming` is
    /// told how many objects a large List or YAML file holds before they come to `alongside`. Both are
    /// called during the load only.
    public init(paths: [String], upcoming: @escaping (Int) -> Void = { _ in },
                alongside: @escaping (ValidatedObject) -> Void = { _ in }) {
        var builder = ClusterBuilder()
        var skipped: [(source: String, kind: String)] = [], errors: [String] = []
        // A large YAML file's objects come while it is still parsed; should it go to today's path after
        // all, what it added is taken back (the builder is a value: the copy is the checkpoint). Its
        // objects reach `alongside` once the file was read to its end.
        var checkpoint: (builder: ClusterBuilder, skipped: Int, errors: Int)?
        var tentative: [ValidatedObject] = []
        ManifestReader.forEachDocument(paths: paths, tentative: { step in
            switch step {
            case .begin: checkpoint = (builder, skipped.count, errors.count)
            case .keep:
                checkpoint = nil
                // All at once: announced as a large JSON List is (the builder has them already).
                if tentative.count >= JSONManifest.batchSize { upcoming(tentative.count) }
                tentative.forEach(alongside)
                tentative = []
            case .takeBack:
                guard let saved = checkpoint else { return }
                builder = saved.builder
                skipped.removeSubrange(saved.skipped...)
                errors.removeSubrange(saved.errors...)
                checkpoint = nil
                tentative = []
            }
        }, upcoming: { count in
            builder.reserveCapacity(objects: count)
            upcoming(count)
        }) { source, loaded in
            switch loaded {
            case .success(.object(let object)):
                builder.add(object)
                if checkpoint == nil { alongside(object) } else { tentative.append(object) }
            case .success(.skipped(let kind)): skipped.append((source(), kind))
            case .success(.invalid(let error)): errors.append("\(source()): \(error)")
            case .failure(let error): errors.append(error.description)
            }
        }
        (self.builder, self.skipped, self.errors) = (builder, skipped, errors)
    }

    /// The objects sorted by name (see `ClusterBuilder.state`), sorted when asked for.
    public var cluster: ClusterState { builder.state }
}
