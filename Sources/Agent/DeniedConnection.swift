import ClusterModel
import Compiler
import IPAddressing
import Logging
import NftNetlink

/// One denied packet as the deny log reports it: the packet, the pods at either end, and what denied it.
struct DeniedConnection: Equatable {
    var packet: LoggedPacket
    var sourcePod: ObjectReference?
    var destinationPod: ObjectReference?
    /// nil when the prefix names no deny of the current table (a table changed since the packet).
    var deniedBy: CounterAttribution?

    init(_ packet: LoggedPacket, in context: DenyLogContext) {
        self.packet = packet
        sourcePod = context.pod(owning: packet.source)
        destinationPod = context.pod(owning: packet.destination)
        deniedBy = context.attribution[packet.prefix]
    }

    /// "no rule of y/default-deny, y/allow-web admits", or "ClusterNetworkPolicy deny-x (Admin) egress[0] 'name' denies".
    var reason: String {
        guard let deniedBy else { return "a deny rule (\(packet.prefix)) of a previous table" }
        let names = deniedBy.policies.map { "\($0.namespace.map { "\($0)/" } ?? "")\($0.name)" }
        guard deniedBy.tier != .networkPolicy else { return "no rule of \(names.joined(separator: ", ")) admits" }
        let policy = "ClusterNetworkPolicy \(names.joined()) (\(deniedBy.tier.rawValue)) \(deniedBy.direction.rawValue)"
        guard let rule = deniedBy.clusterRule else { return "\(policy) is unreadable and denies all" }
        let label = "\(policy)[\(rule.index)]\(rule.name.map { " '\($0)'" } ?? "")"
        return rule.action == .deny ? "\(label) denies" : "\(label) (\(rule.action.rawValue)) fails closed and denies"
    }

    /// The fields of the log line; `node` and the time come from the logger.
    var metadata: Logger.Metadata {
        var fields: Logger.Metadata = [
            "source": "\(packet.source)", "destination": "\(packet.destination)",
            "protocol": "\(L4Protocol.allCases.first { $0.number == packet.protocolNumber }?.rawValue.uppercased() ?? String(packet.protocolNumber))",
            "reason": "\(reason)",
        ]
        if let port = packet.destinationPort { fields["port"] = "\(port)" }
        if let pod = sourcePod { fields["source_pod"] = "\(pod.namespace ?? "")/\(pod.name)" }
        if let pod = destinationPod { fields["destination_pod"] = "\(pod.namespace ?? "")/\(pod.name)" }
        if let deniedBy {
            fields["direction"] = "\(deniedBy.direction.rawValue)"
            fields["tier"] = "\(deniedBy.tier.rawValue)"
            fields["policies"] = .array(deniedBy.policies.map { .string("\($0.namespace.map { "\($0)/" } ?? "")\($0.name)") })
            if let rule = deniedBy.clusterRule {
                fields["rule_index"] = "\(rule.index)"
                if let name = rule.name { fields["rule_name"] = "\(name)" }
            }
        }
        return fields
    }
}
