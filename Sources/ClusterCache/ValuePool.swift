import ClusterModel

/// Shares equal values between cached objects. The pods of one workload carry equal labels,
/// namespace, node name, creation second and named ports, but each decoded copy is a fresh
/// allocation; a Swift dictionary, array or string copied from the pooled one shares its storage,
/// so every further pod holding it costs a reference instead of a copy.
struct ValuePool {
    private var labels: Set<[String: String]> = []
    private var strings: Set<String> = []
    private var ports: Set<[NamedPort]> = []

    /// Values pooled (a growing pool is rebuilt from the live objects: see `ObjectStore`).
    var count: Int { labels.count + strings.count + ports.count }

    mutating func shared(_ value: [String: String]) -> [String: String] {
        value.isEmpty ? value : labels.insert(value).memberAfterInsert
    }

    /// Strings of up to 15 UTF-8 bytes are stored inline in the String value: nothing to share.
    mutating func shared(_ text: String) -> String {
        text.utf8.count <= 15 ? text : strings.insert(text).memberAfterInsert
    }

    mutating func shared(_ value: [NamedPort]) -> [NamedPort] {
        value.isEmpty ? value : ports.insert(value).memberAfterInsert
    }
}

extension Pod {
    mutating func share(_ pool: inout ValuePool) {
        namespace = pool.shared(namespace)
        labels = pool.shared(labels)
        nodeName = nodeName.map { pool.shared($0) }
        namedPorts = pool.shared(namedPorts)
        creationTimestamp = pool.shared(creationTimestamp)
    }
}
