/// The fast path for NodeObject, read as its synthesized `init(from:)` decodes it.

extension NodeObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (metadata, spec, status) = try reader.readParts(spec: Spec.self, status: Status.self)
        self.init(metadata: metadata, spec: spec, status: status)
    }
}

extension NodeObject.Spec: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var podCIDR: String??, podCIDRs: [String]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "podCIDR": try podCIDR.setOnce(reader.readOptionalString())
            case "podCIDRs": try podCIDRs.setOnce(reader.readOptionalStrings())
            default: try reader.skipValue()
            }
        }
        self.init(podCIDR: podCIDR ?? nil, podCIDRs: podCIDRs ?? nil)
    }
}

extension NodeObject.Status: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var addresses: [NodeObject.Address]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            if key == "addresses" { try addresses.setOnce(reader.readOptionalArray()) } else { try reader.skipValue() }
        }
        self.init(addresses: addresses ?? nil)
    }
}

extension NodeObject.Address: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var type, address: String??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "type": try type.setOnce(reader.readOptionalString())
            case "address": try address.setOnce(reader.readOptionalString())
            default: try reader.skipValue()
            }
        }
        self.init(type: type ?? nil, address: address ?? nil)
    }
}
