import ClusterModel
import IPAddressing

/// What a deny log line needs from one compiled state: which policies or rule each log prefix denies
/// for, and which pod holds an address. A snapshot: later changes to the compiler do not show.
public struct DenyLogContext: Sendable {
    public let node: String
    /// By log prefix (see `DenyLogging`).
    public let attribution: [String: CounterAttribution]
    private let index: ClusterIndex

    init(node: String, attribution: [String: CounterAttribution], index: ClusterIndex) {
        self.node = node
        self.attribution = attribution
        self.index = index
    }

    /// The pod that holds `address` (policy's view: enforceable pods only), if any.
    public func pod(owning address: IPAddress) -> ObjectReference? { index.pod(owning: address)?.reference }
}

extension NodeCompiler {
    /// With deny logging, the context of the last `ruleset()`; nil without.
    public var denyLogContext: DenyLogContext? {
        options.denyLogging == nil ? nil : DenyLogContext(node: node, attribution: denyLogAttribution, index: index)
    }
}
