import IPAddressing
import Ruleset

/// The verdict maps that send local pods' packets to their chains by pod address: the forward hook's
/// dispatch maps (`ingress_v4` …) and, for ClusterNetworkPolicy egress under `--node-egress allow`, the
/// input hook's `node_egress_v4`/`_v6`. Kept across rounds and changed element by element, so that
/// successive tables share structure and the diff costs what changed.
struct VerdictMaps {
    private var dispatch: [NamedSet]
    private var nodeEgress: [NamedSet]

    init() {
        dispatch = Direction.allCases.flatMap { direction in
            IPFamily.allCases.map { family in
                NamedSet(name: direction.dispatchMap(family), keyType: [family.addressType], isVerdictMap: true,
                         comment: "local pods isolated for \(direction.rawValue), by IP\(family.rawValue) address")
            }
        }
        nodeEgress = IPFamily.allCases.map { family in
            NamedSet(name: Self.nodeEgressMap(family), keyType: [family.addressType], isVerdictMap: true,
                     comment: "local pods with ClusterNetworkPolicy egress, to this node, by IP\(family.rawValue) address")
        }
    }

    static func nodeEgressMap(_ family: IPFamily) -> String { "node_egress_\(family.rawValue)" }

    /// The node egress maps exist only while a pod needs them: without them there is no input hook.
    var hasNodeEgress: Bool { nodeEgress.contains { !$0.elements.isEmpty } }

    /// The maps as the table lists them.
    var sets: [NamedSet] { dispatch + (hasNodeEgress ? nodeEgress : []) }

    mutating func insert(_ elements: [VerdictMapElement]) {
        for element in elements { update(element.map) { _ = $0.elements.insert(element.element) } }
    }

    mutating func remove(_ elements: [VerdictMapElement]) {
        for element in elements { update(element.map) { _ = $0.elements.remove(element.element) } }
    }

    private mutating func update(_ map: String, _ change: (inout NamedSet) -> Void) {
        if let index = dispatch.firstIndex(where: { $0.name == map }) {
            change(&dispatch[index])
        } else {
            change(&nodeEgress[nodeEgress.firstIndex { $0.name == map }!])
        }
    }
}
