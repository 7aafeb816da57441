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
        ManifestReader.forEachDocument(paths: paths) { source, loaded in
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
