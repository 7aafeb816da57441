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
    /// Writes only the parts that are not the pooled copies yet: a pod keeps its fields behind one
    /// reference, which a stored pod shares with the compiler's index, and a write would copy it apart
    /// from there (a pool rebuild finds every stored part pooled already).
    mutating func share(_ pool: inout ValuePool) {
        if let shared = Self.replacement(namespace, pool.shared(namespace)) { namespace = shared }
        if let shared = Self.replacement(labels, pool.shared(labels)) { labels = shared }
        if let nodeName, let shared = Self.replacement(nodeName, pool.shared(nodeName)) { self.nodeName = shared }
        if let shared = Self.replacement(namedPorts, pool.shared(namedPorts)) { namedPorts = shared }
        if let shared = Self.replacement(creationTimestamp, pool.shared(creationTimestamp)) { creationTimestamp = shared }
    }

    /// `pooled`, unless it is `current` itself: the same bits are the same storage (or the same inline string).
    private static func replacement<Value>(_ current: Value, _ pooled: Value) -> Value? {
        withUnsafeBytes(of: current) { current in withUnsafeBytes(of: pooled) { current.elementsEqual($0) } } ? nil : pooled
    }
}
