extension Pod {
    /// The stand-in for a pod the agent cannot fully read (it failed to validate, and no valid version
    /// of it is in force). Skipping it would leave it unisolated, whatever selects it; so what can be
    /// read is enforced: its addresses, labels and node, so that the policies selecting it isolate it;
    /// no named ports, so that allow rules naming one do not match it (closed); an unreadable phase
    /// counts as Unknown (still enforced). nil when its addresses cannot be read: nothing to key on.
    public init?(failingClosed object: PodObject, metadata: ObjectMeta) {
        guard let reference = try? metadata.reference(kind: "Pod", namespaced: true),
              let addresses = try? Pod.addresses(of: object.status, checker: FieldChecker(object: reference)),
              !addresses.isEmpty else { return nil }
        self.init(namespace: reference.namespace!, name: reference.name, labels: metadata.labels ?? [:],
                  nodeName: object.spec?.nodeName, hostNetwork: object.spec?.hostNetwork ?? false,
                  phase: object.status?.phase.flatMap(Phase.init(rawValue:)) ?? .unknown, addresses: addresses,
                  creationTimestamp: metadata.creationTimestamp ?? "")
        isPartial = true
    }
}
