/// The fast path for ClusterNetworkPolicyObject, read as its synthesized `init(from:)` decodes it.

extension ClusterNetworkPolicyObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (metadata, spec, _) = try reader.readParts(spec: Spec.self, status: Never.self)
        self.init(metadata: metadata, spec: spec)
    }
}

extension ClusterNetworkPolicyObject.Spec: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var tier: String??, priority: Int??, subject: ClusterNetworkPolicyObject.Subject??
        var ingress, egress: [ClusterNetworkPolicyObject.Rule]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "tier": try tier.setOnce(reader.readOptionalString())
            case "priority": try priority.setOnce(reader.readOptionalInt())
            case "subject": try subject.setOnce(reader.readOptional())
            case "ingress": try ingress.setOnce(reader.readOptionalArray())
            case "egress": try egress.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(tier: tier ?? nil, priority: priority ?? nil, subject: subject ?? nil, ingress: ingress ?? nil, egress: egress ?? nil)
    }
}

extension ClusterNetworkPolicyObject.Subject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var namespaces: LabelSelectorObject??, pods: ClusterNetworkPolicyObject.NamespacedPod??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "namespaces": try namespaces.setOnce(reader.readOptional())
            case "pods": try pods.setOnce(reader.readOptional())
            default: try reader.skipValue()
            }
        }
        self.init(namespaces: namespaces ?? nil, pods: pods ?? nil)
    }
}

extension ClusterNetworkPolicyObject.NamespacedPod: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var namespaceSelector, podSelector: LabelSelectorObject??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "namespaceSelector": try namespaceSelector.setOnce(reader.readOptional())
            case "podSelector": try podSelector.setOnce(reader.readOptional())
            default: try reader.skipValue()
            }
        }
        self.init(namespaceSelector: namespaceSelector ?? nil, podSelector: podSelector ?? nil)
    }
}

extension ClusterNetworkPolicyObject.Rule: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var name, action: String??, from, to: [ClusterNetworkPolicyObject.Peer]??
        var protocols: [ClusterNetworkPolicyObject.ProtocolEntry]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "name": try name.setOnce(reader.readOptionalString())
            case "action": try action.setOnce(reader.readOptionalString())
            case "from": try from.setOnce(reader.readOptionalArray())
            case "to": try to.setOnce(reader.readOptionalArray())
            case "protocols": try protocols.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(name: name ?? nil, action: action ?? nil, from: from ?? nil, to: to ?? nil, protocols: protocols ?? nil)
    }
}

extension ClusterNetworkPolicyObject.Peer: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var namespaces, nodes: LabelSelectorObject??, pods: ClusterNetworkPolicyObject.NamespacedPod??
        var networks, domainNames: [String]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "namespaces": try namespaces.setOnce(reader.readOptional())
            case "pods": try pods.setOnce(reader.readOptional())
            case "networks": try networks.setOnce(reader.readOptionalStrings())
            case "nodes": try nodes.setOnce(reader.readOptional())
            case "domainNames": try domainNames.setOnce(reader.readOptionalStrings())
            default: try reader.skipValue()
            }
        }
        self.init(namespaces: namespaces ?? nil, pods: pods ?? nil, networks: networks ?? nil, nodes: nodes ?? nil,
                  domainNames: domainNames ?? nil)
    }
}

extension ClusterNetworkPolicyObject.ProtocolEntry: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var tcp, udp, sctp: ClusterNetworkPolicyObject.PortProtocol??, destinationNamedPort: String??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "tcp": try tcp.setOnce(reader.readOptional())
            case "udp": try udp.setOnce(reader.readOptional())
            case "sctp": try sctp.setOnce(reader.readOptional())
            case "destinationNamedPort": try destinationNamedPort.setOnce(reader.readOptionalString())
            default: try reader.skipValue()
            }
        }
        self.init(tcp: tcp ?? nil, udp: udp ?? nil, sctp: sctp ?? nil, destinationNamedPort: destinationNamedPort ?? nil)
    }
}

extension ClusterNetworkPolicyObject.PortProtocol: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var destinationPort: ClusterNetworkPolicyObject.DestinationPort??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            if key == "destinationPort" { try destinationPort.setOnce(reader.readOptional()) } else { try reader.skipValue() }
        }
        self.init(destinationPort: destinationPort ?? nil)
    }
}

extension ClusterNetworkPolicyObject.DestinationPort: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var number: Int??, range: ClusterNetworkPolicyObject.PortRange??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "number": try number.setOnce(reader.readOptionalInt())
            case "range": try range.setOnce(reader.readOptional())
            default: try reader.skipValue()
            }
        }
        self.init(number: number ?? nil, range: range ?? nil)
    }
}

extension ClusterNetworkPolicyObject.PortRange: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var start, end: Int??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "start": try start.setOnce(reader.readOptionalInt())
            case "end": try end.setOnce(reader.readOptionalInt())
            default: try reader.skipValue()
            }
        }
        self.init(start: start ?? nil, end: end ?? nil)
    }
}
