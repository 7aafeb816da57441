import Compiler
import Foundation

/// Hands loaded objects to a `NodeCompiler` on a thread of its own, in batches, in the order they were
/// loaded: the compiler takes them in (its index of pods above all) while later objects still decode,
/// instead of after the whole load. It takes them as changes, the way the cache's changes reach it, and
/// emits nothing here: the caller asks for a ruleset after `finish()`, when every object is in.
public struct CompilingAhead {
    /// Objects handed over together: few enough hand-offs that their locking costs nothing.
    static let batchSize = 1024

    /// What the compiling thread is handed: objects, or how many are coming.
    private enum Delivery: Sendable {
        case objects([ValidatedObject])
        case upcoming(Int)
    }

    private var pending: [ValidatedObject] = []
    private let toCompile = BoundedHandOff<Delivery>(capacity: .max)
    private let compiled = BoundedHandOff<NodeCompiler>(capacity: 1)

    /// Loads the manifests, and `compiler` takes every valid object on its own thread meanwhile; it emits
    /// no ruleset yet, so the caller can look at the errors first.
    public static func load(paths: [String], into compiler: NodeCompiler) -> (manifests: LoadedManifests, compiler: NodeCompiler) {
        var ahead = CompilingAhead(compiler)
        let manifests = LoadedManifests(paths: paths, upcoming: { ahead.expect($0) }) { ahead.add($0) }
        return (manifests, ahead.finish())
    }

    public init(_ compiler: NodeCompiler) {
        let (toCompile, compiled) = (toCompile, compiled)
        // A thread of its own, not a dispatch worker: it waits for batches for as long as loading lasts,
        // and must not hold back the workers that decode them.
        Thread.detachNewThread {
            var compiler = compiler
            while let delivery = toCompile.take() {
                switch delivery {
                case .objects(let batch): for object in batch { compiler.upsert(object) }
                case .upcoming(let count): compiler.reserveCapacity(pods: count)
                }
            }
            _ = compiled.put(compiler)
            compiled.finish()
        }
    }

    /// `count` objects are coming (a large List's): the compiler makes room for them as pods, at once.
    public mutating func expect(_ count: Int) {
        sendPending()
        _ = toCompile.put(.upcoming(count))
    }

    public mutating func add(_ object: ValidatedObject) {
        pending.append(object)
        if pending.count == Self.batchSize { sendPending() }
    }

    /// The compiler with every object added, waiting until it has taken them all.
    public mutating func finish() -> NodeCompiler {
        sendPending()
        toCompile.finish()
        // The thread always puts its compiler.
        return compiled.take()!
    }

    private mutating func sendPending() {
        guard !pending.isEmpty else { return }
        _ = toCompile.put(.objects(pending))
        pending.removeAll(keepingCapacity: true)
    }
}

extension NodeCompiler {
    /// The object added, or replacing the one with its name: what `ClusterBuilder.add` does to the cluster.
    mutating func upsert(_ object: ValidatedObject) {
        switch object {
        case .namespace(let namespace): upsert(namespace)
        case .pod(let pod): upsert(pod)
        case .networkPolicy(let policy): upsert(policy)
        case .clusterNetworkPolicy(let policy): upsert(policy)
        case .node(let node): upsert(node)
        }
    }
}
