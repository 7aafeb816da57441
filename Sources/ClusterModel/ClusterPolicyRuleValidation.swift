import IPAddressing

/// Which list a ClusterNetworkPolicy rule is in: ingress rules have `from` peers, egress rules `to`.
enum ClusterRuleDirection: String {
    case ingress, egress

    var peerField: String { self == .ingress ? "from" : "to" }
}

extension ClusterPolicyRule {
    /// Most peers and protocol entries per rule, and CIDRs per `networks` peer (`MaxItems=25`).
    static let maximumEntries = 25

    init(validating rule: ClusterNetworkPolicyObject.Rule, direction: ClusterRuleDirection, field: String,
         checker: FieldChecker) throws(ValidationError) {
        // OpenAPI maxLength counts code points (Go's utf8.RuneCountInString), not grapheme clusters.
        if let length = rule.name?.unicodeScalars.count, length > 100 {
            throw checker.error("\(field).name", "is \(length) characters long; at most 100 are allowed")
        }
        guard let actionText = rule.action else { throw checker.error("\(field).action", "must be set") }
        guard let action = Action(rawValue: actionText) else {
            throw checker.error("\(field).action", "unknown action \"\(actionText)\"; expected Accept, Deny or Pass")
        }
        let peerField = "\(field).\(direction.peerField)"
        let peers = try Self.entries(direction == .ingress ? rule.from : rule.to, field: peerField, checker: checker)
        var failsClosed: String?
        var validPeers: [ClusterPolicyPeer] = []
        for (index, peer) in peers.enumerated() {
            switch try ClusterPolicyPeer.validate(peer, direction: direction, field: "\(peerField)[\(index)]", checker: checker) {
            case .valid(let valid): validPeers.append(valid)
            case .unknown(let reason): failsClosed = failsClosed ?? reason
            }
        }
        var validProtocols: [ClusterPolicyProtocol]?
        if let protocols = rule.protocols {
            let entries = try Self.entries(protocols, field: "\(field).protocols", checker: checker)
            var list: [ClusterPolicyProtocol] = []
            for (index, entry) in entries.enumerated() {
                switch try ClusterPolicyProtocol.validate(entry, field: "\(field).protocols[\(index)]", checker: checker) {
                case .valid(let valid): list.append(valid)
                case .unknown(let reason): failsClosed = failsClosed ?? reason
                }
            }
            validProtocols = list
        }
        self.init(name: rule.name, action: action, peers: validPeers, protocols: validProtocols, failsClosed: failsClosed)
    }

    /// A required list of 1...25 entries.
    private static func entries<Entry>(_ list: [Entry]?, field: String, checker: FieldChecker) throws(ValidationError) -> [Entry] {
        guard let list, !list.isEmpty else { throw checker.error(field, "must have at least one entry") }
        guard list.count <= maximumEntries else {
            throw checker.error(field, "has \(list.count) entries; at most \(maximumEntries) are allowed")
        }
        return list
    }
}

/// A peer or protocol entry as validation reads it: valid, or one the agent does not know, whose rule
/// then fails closed for the reason given ("field: why").
enum ClusterPolicyEntry<Valid> {
    case valid(Valid)
    case unknown(String)
}

extension ClusterPolicyPeer {
    static func validate(_ peer: ClusterNetworkPolicyObject.Peer, direction: ClusterRuleDirection, field: String,
                         checker: FieldChecker) throws(ValidationError) -> ClusterPolicyEntry<ClusterPolicyPeer> {
        let set = [("namespaces", peer.namespaces != nil), ("pods", peer.pods != nil), ("networks", peer.networks != nil),
                   ("nodes", peer.nodes != nil), ("domainNames", peer.domainNames != nil)].filter(\.1).map(\.0)
        guard set.count <= 1 else { throw checker.error(field, "must set exactly one field, not \(set.joined(separator: " and "))") }
        // An empty peer is one the API server pruned a newer field from (a newer CRD): fail closed.
        guard let only = set.first else { return .unknown("\(field): no field this agent knows (written against a newer CRD?)") }
        if only == "domainNames" { return .unknown("\(field).domainNames: not implemented by this agent") }
        if direction == .ingress, only == "networks" || only == "nodes" {
            return .unknown("\(field).\(only): not an ingress peer in v1alpha2 (written against a newer CRD?)")
        }
        if let namespaces = peer.namespaces {
            return .valid(.namespaces(try LabelSelector(validating: namespaces, field: "\(field).namespaces", checker: checker)))
        }
        if let pods = peer.pods {
            let (namespaces, selected) = try NamespacedPodSelector.validate(pods, field: "\(field).pods", checker: checker)
            return .valid(.pods(namespaces: namespaces, pods: selected))
        }
        if let nodes = peer.nodes {
            return .valid(.nodes(try LabelSelector(validating: nodes, field: "\(field).nodes", checker: checker)))
        }
        return .valid(.networks(try networks(peer.networks ?? [], field: "\(field).networks", checker: checker)))
    }

    /// `networks`: 1...25 distinct entries (`listType=set`), each at most 43 characters and a CIDR as CEL `isCIDR` reads it.
    private static func networks(_ texts: [String], field: String, checker: FieldChecker) throws(ValidationError) -> [CIDR] {
        guard !texts.isEmpty else { throw checker.error(field, "must have at least one entry") }
        guard texts.count <= ClusterPolicyRule.maximumEntries else {
            throw checker.error(field, "has \(texts.count) entries; at most \(ClusterPolicyRule.maximumEntries) are allowed")
        }
        var cidrs: [CIDR] = []
        for (index, text) in texts.enumerated() {
            let path = "\(field)[\(index)]"
            let length = text.unicodeScalars.count
            guard length <= 43 else { throw checker.error(path, "is \(length) characters long; at most 43 are allowed") }
            guard let cidr = CIDR(celText: text) else { throw checker.error(path, "invalid CIDR \"\(text)\"") }
            guard !texts[..<index].contains(text) else { throw checker.error(path, "duplicate entry \"\(text)\"") }
            cidrs.append(cidr)
        }
        return cidrs
    }
}

extension ClusterPolicyProtocol {
    static func validate(_ entry: ClusterNetworkPolicyObject.ProtocolEntry, field: String,
                         checker: FieldChecker) throws(ValidationError) -> ClusterPolicyEntry<ClusterPolicyProtocol> {
        let set = [("tcp", entry.tcp, L4Protocol.tcp), ("udp", entry.udp, .udp), ("sctp", entry.sctp, .sctp)]
            .compactMap { name, ports, proto in ports.map { (name, $0, proto) } }
        let count = set.count + (entry.destinationNamedPort == nil ? 0 : 1)
        guard count <= 1 else { throw checker.error(field, "must set exactly one of tcp, udp, sctp and destinationNamedPort") }
        if let name = entry.destinationNamedPort { return .valid(.namedPort(name)) }
        // An empty entry is a protocol kind the API server pruned (a newer CRD): fail closed.
        guard let (name, ports, proto) = set.first else {
            return .unknown("\(field): no protocol this agent knows (written against a newer CRD?)")
        }
        let path = "\(field).\(name).destinationPort"
        guard let port = ports.destinationPort else { throw checker.error(path, "must be set") }
        switch (port.number, port.range) {
        case (let number?, nil):
            let single = try Self.port(number, field: "\(path).number", checker: checker)
            return .valid(.ports(proto, single...single))
        case (nil, let range?):
            guard let startNumber = range.start else { throw checker.error("\(path).range.start", "must be set") }
            guard let endNumber = range.end else { throw checker.error("\(path).range.end", "must be set") }
            let start = try Self.port(startNumber, field: "\(path).range.start", checker: checker)
            let end = try Self.port(endNumber, field: "\(path).range.end", checker: checker)
            // CEL `self.start < self.end`: a one-port range is written as a number.
            guard start < end else { throw checker.error("\(path).range", "start \(start) must be less than end \(end)") }
            return .valid(.ports(proto, start...end))
        default:
            throw checker.error(path, "must set exactly one of number and range")
        }
    }

    private static func port(_ number: Int, field: String, checker: FieldChecker) throws(ValidationError) -> UInt16 {
        guard (1...65535).contains(number) else { throw checker.error(field, "port \(number) is out of range 1-65535") }
        return UInt16(number)
    }
}
