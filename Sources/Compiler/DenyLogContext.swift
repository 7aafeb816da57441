import ClusterModel
import IPAddressing

/// What a deny log line needs from one compiled state: which policies or rule each log prefix denies
/// for, and which pod holds an address. A snapshot: later changes to the compiler do not show.
public struct DenyLogContext: Sendable {
    public let node: String
    /// By log prefix (see `DenyLogging`).
    public let attribution: [String: CounterAttribution]
    private let podOwning: @Sendable (IPAddress) -> ObjectReference?

    public init(node: String, attribution: [String: CounterAttribution], podOwning: @escaping @Sendable (IPAddress) -> ObjectReference?) {
        self.node = node
        self.attribution = attribution
        self.podOwning = podOwning
    }

    /// The pod that holds `address` (policy's view: enforceable pods only), if any.
    public func pod(owning address: IPAddress) -> ObjectReference? { podOwning(address) }
}

extension NodeCompiler {
    /// With deny logging, the context of the last `ruleset()`; nil without.
    public var denyLogContext: DenyLogContext? {
        guard options.denyLogging != nil else { return nil }
        return DenyLogContext(node: node, attribution: denyLogAttribution) { [index] in index.pod(owning: $0)?.reference }
    }
}
