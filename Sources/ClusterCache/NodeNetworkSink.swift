import ClusterModel
import Compiler
import KubeClient

/// Feeds the reflector of the agent's own Node (one object, by field selector) into the cache: its
/// pod CIDRs and addresses. The last valid version stays in force: an unreadable update or a
/// deletion never widens what strict mode drops into "nothing is known".
struct NodeNetworkSink: ReflectorSink {
    let cache: ClusterCache

    func beginRelist() {}
    func relisted(_ page: [DecodedObject<NodeObject>]) { page.forEach(upsert) }
    func endRelist() {}

    func upsert(_ object: DecodedObject<NodeObject>) {
        let name = object.metadata.name ?? ""
        switch object {
        case .invalid(_, let reason):
            cache.logger.error("rejected Node \(name): \(reason); its last valid version stays in force")
            cache.onRejected("Node")
        case .valid(let node):
            do throws(ValidationError) {
                let network = try NodeNetwork(validating: node)
                let changed = cache.nodeNetworkStore.withLock { stored in
                    defer { stored = network }
                    return stored != network
                }
                if changed {
                    cache.logger.info("Node \(name): pod CIDRs \(network.podCIDRs.map(\.description)), addresses \(network.addresses.map(\.description))")
                    cache.signal.notify()
                }
            } catch {
                cache.logger.error("rejected \(error); its last valid version stays in force")
                cache.onRejected("Node")
            }
        }
    }

    func delete(_ object: DecodedObject<NodeObject>) {
        cache.logger.warning("Node \(object.metadata.name ?? "") was deleted; its last pod CIDRs stay in force")
    }
}
