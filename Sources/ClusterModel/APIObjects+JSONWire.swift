/// The fast path for the wire types of APIObjects.swift: each reads the members its synthesized
/// `init(from:)` decodes (the property names), with `decodeIfPresent`'s reading of optionals, and skips
/// the rest.

extension ObjectMeta: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var name, namespace, creationTimestamp, resourceVersion: String??
        var labels: [String: String]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "name": try name.setOnce(reader.readOptionalString())
            case "namespace": try namespace.setOnce(reader.readOptionalString())
            case "labels": try labels.setOnce(reader.readOptionalStringMap())
            case "creationTimestamp": try creationTimestamp.setOnce(reader.readOptionalString())
            case "resourceVersion": try resourceVersion.setOnce(reader.readOptionalString())
            default: try reader.skipValue()
            }
        }
        self.init(name: name ?? nil, namespace: namespace ?? nil, labels: labels ?? nil)
        self.creationTimestamp = creationTimestamp ?? nil
        self.resourceVersion = resourceVersion ?? nil
    }
}

extension NamespaceObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        self.init(metadata: try reader.readMetadataOnly())
    }
}

extension PodObject: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        let (metadata, spec, status) = try reader.readParts(spec: Spec.self, status: Status.self)
        self.init(metadata: metadata, spec: spec, status: status)
    }
}

extension PodObject.Spec: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var nodeName: String??, hostNetwork: Bool??, containers, initContainers: [PodObject.Container]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "nodeName": try nodeName.setOnce(reader.readOptionalString())
            case "hostNetwork": try hostNetwork.setOnce(reader.readOptionalBool())
            case "containers": try containers.setOnce(reader.readOptionalArray())
            case "initContainers": try initContainers.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(nodeName: nodeName ?? nil, hostNetwork: hostNetwork ?? nil, containers: containers ?? nil)
        self.initContainers = initContainers ?? nil
    }
}

extension PodObject.Container: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var name, restartPolicy: String??, ports: [PodObject.ContainerPort]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "name": try name.setOnce(reader.readOptionalString())
            case "restartPolicy": try restartPolicy.setOnce(reader.readOptionalString())
            case "ports": try ports.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(name: name ?? nil, ports: ports ?? nil)
        self.restartPolicy = restartPolicy ?? nil
    }
}

extension PodObject.ContainerPort: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var name, `protocol`: String??, containerPort: Int??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "name": try name.setOnce(reader.readOptionalString())
            case "containerPort": try containerPort.setOnce(reader.readOptionalInt())
            case "protocol": try `protocol`.setOnce(reader.readOptionalString())
            default: try reader.skipValue()
            }
        }
        self.init(name: name ?? nil, containerPort: containerPort ?? nil, protocol: `protocol` ?? nil)
    }
}

extension PodObject.Status: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var phase, podIP: String??, podIPs: [PodObject.PodIP]??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "phase": try phase.setOnce(reader.readOptionalString())
            case "podIP": try podIP.setOnce(reader.readOptionalString())
            case "podIPs": try podIPs.setOnce(reader.readOptionalArray())
            default: try reader.skipValue()
            }
        }
        self.init(phase: phase ?? nil, podIP: podIP ?? nil, podIPs: podIPs ?? nil)
    }
}

extension PodObject.PodIP: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) {
        var ip: String??
        try reader.readObject { reader, key throws(JSONWireFallback) in
            if key == "ip" { try ip.setOnce(reader.readOptionalString()) } else { try reader.skipValue() }
        }
        self.init(ip: ip ?? nil)
    }
}

extension JSONWireReader {
    /// An object of which only `metadata` is declared, which must be set.
    mutating func readMetadataOnly() throws(JSONWireFallback) -> ObjectMeta {
        try readParts(spec: Never.self, status: Never.self).metadata
    }

    /// A Kubernetes object's declared parts: `metadata`, which must be set (it is not optional), and
    /// `spec` and `status` where the type declares them (`Never` where it does not: the member is skipped).
    mutating func readParts<Spec: JSONWireReadable, Status: JSONWireReadable>(spec _: Spec.Type, status _: Status.Type)
        throws(JSONWireFallback) -> (metadata: ObjectMeta, spec: Spec?, status: Status?) {
        var metadata: ObjectMeta?, spec: Spec??, status: Status??
        try readObject { reader, key throws(JSONWireFallback) in
            if key == "metadata" {
                try metadata.setOnce(reader.read())
            } else if key == "spec", Spec.self != Never.self {
                try spec.setOnce(reader.readOptional())
            } else if key == "status", Status.self != Never.self {
                try status.setOnce(reader.readOptional())
            } else {
                try reader.skipValue()
            }
        }
        guard let metadata else { throw JSONWireFallback() }
        return (metadata, spec ?? nil, status ?? nil)
    }
}

/// Stands for a part a wire type does not declare; never read.
extension Never: JSONWireReadable {
    public init(reading reader: inout JSONWireReader) throws(JSONWireFallback) { throw JSONWireFallback() }
}
