/// Receives one resource's objects as a reflector learns them. Relists replace what is stored:
/// whatever was not in the list between `beginRelist` and `endRelist` vanished meanwhile.
public protocol ReflectorSink<Object>: Sendable {
    associatedtype Object: KubernetesWireObject

    func beginRelist()
    func relisted(_ page: [DecodedObject<Object>])
    func endRelist()
    /// ADDED or MODIFIED.
    func upsert(_ object: DecodedObject<Object>)
    func delete(_ object: DecodedObject<Object>)
}
