/// The fast path for NetworkPolicyObject, LabelSelectorObject and IntOrString (APIObjects.swift), read
/// as their synthesized `init(from:)` decode them.

extension NetworkPolicyObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (metadata, spec, _) = try reader.readParts(spec: Spec.self, status: Never.self)
        self.init(metadata: metadata, spec: spec)
    }
}

extension NetworkPolicyObject.Spec: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var podSelector: LabelSelectorObject??, policyTypes: [String]??
        var ingress: [NetworkPolicyObject.IngressRule]??, egress: [NetworkPolicyObject.EgressRule]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "podSelector": try podSelector.setOnce(reader.readOptional())
            case "policyTypes": try policyTypes.setOnce(reader.readOptionalStrings())
            case "ingress": try ingress.setOnce(reader.readOptionalArray())
            case "egress": try egress.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(podSelector: podSelector ?? nil, policyTypes: policyTypes ?? nil, ingress: ingress ?? nil, egress: egress ?? nil)
    }
}

extension NetworkPolicyObject.IngressRule: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (from, ports) = try reader.readRule(peers: "from")
        self.init(from: from, ports: ports)
    }
}

extension NetworkPolicyObject.EgressRule: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (to, ports) = try reader.readRule(peers: "to")
        self.init(to: to, ports: ports)
    }
}

extension JSONWireReader {
    /// An ingress or egress rule: its peers under `peers`, and its ports.
    mutating func readRule(peers peersKey: StaticString) throws(JSONWireFallback) -> ([NetworkPolicyObject.Peer]?, [NetworkPolicyObject.Port]?) {
        var peers: [NetworkPolicyObject.Peer]??, ports: [NetworkPolicyObject.Port]??
        try readObject { reader, key throws(JSONWireFallback) in
            if key == peersKey {
                try peers.setOnce(reader.readOptionalArray())
            } else if key == "ports" {
                try ports.setOnce(reader.readOptionalArray())
            } else {
                try reader.skipValue()
            }
        }
        return (peers ?? nil, ports ?? nil)
    }
}

extension NetworkPolicyObject.Peer: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var podSelector, namespaceSelector: LabelSelectorObject??, ipBlock: NetworkPolicyObject.IPBlock??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "podSelector": try podSelector.setOnce(reader.readOptional())
            case "namespaceSelector": try namespaceSelector.setOnce(reader.readOptional())
            case "ipBlock": try ipBlock.setOnce(reader.readOptional())
            default: try reader.skipValue()
            }
        }
        self.init(podSelector: podSelector ?? nil, namespaceSelector: namespaceSelector ?? nil, ipBlock: ipBlock ?? nil)
    }
}

extension NetworkPolicyObject.IPBlock: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var cidr: String??, except: [String]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "cidr": try cidr.setOnce(reader.readOptionalString())
            case "except": try except.setOnce(reader.readOptionalStrings())
            default: try reader.skipValue()
            }
        }
        self.init(cidr: cidr ?? nil, except: except ?? nil)
    }
}

extension NetworkPolicyObject.Port: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var `protocol`: String??, port: IntOrString??, endPort: Int??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "protocol": try `protocol`.setOnce(reader.readOptionalString())
            case "port": try port.setOnce(reader.readOptional())
            case "endPort": try endPort.setOnce(reader.readOptionalInt())
            default: try reader.skipValue()
            }
        }
        self.init(protocol: `protocol` ?? nil, port: port ?? nil, endPort: endPort ?? nil)
    }
}

extension IntOrString: JSONWireReadable {
    /// `init(from:)` tries Int first, then String; anything else declines.
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        self = reader.current == UInt8(ascii: "\"") ? .string(try reader.readString()) : .int(try reader.readInt())
    }
}

extension LabelSelectorObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var matchLabels: [String: String]??, matchExpressions: [Requirement]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "matchLabels": try matchLabels.setOnce(reader.readOptionalStringMap())
            case "matchExpressions": try matchExpressions.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(matchLabels: matchLabels ?? nil, matchExpressions: matchExpressions ?? nil)
    }
}

extension LabelSelectorObject.Requirement: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var key, `operator`: String??, values: [String]??
        try reader.readObject { reader, member throws(JSONWireFallback) in
            switch member {
            case "key": try key.setOnce(reader.readOptionalString())
            case "operator": try `operator`.setOnce(reader.readOptionalString())
            case "values": try values.setOnce(reader.readOptionalStrings())
            default: try reader.skipValue()
            }
        }
        self.init(key: key ?? nil, operator: `operator` ?? nil, values: values ?? nil)
    }
}
