extension NetworkPolicy {
    /// The stand-in for a policy the agent cannot read (it failed to decode or to validate, and no
    /// valid version of it is in force). Skipping it would leave open the pods it was written to
    /// close, so the stand-in isolates them and allows nothing, until a valid version arrives:
    ///
    /// - the pods its `podSelector` selects, if that much validates; else every pod of its namespace;
    /// - in the directions its `policyTypes` name (defaulted as the API server does), if they
    ///   validate; else in both.
    ///
    /// `object` is nil when the object did not even decode. Returns nil without a name: nothing could
    /// update or delete the stand-in then.
    public init?(failingClosed object: NetworkPolicyObject?, metadata: ObjectMeta, reason: String) {
        guard let reference = try? metadata.reference(kind: "NetworkPolicy", namespaced: true) else { return nil }
        let checker = FieldChecker(object: reference)
        let spec = object?.spec
        let podSelector = spec?.podSelector.flatMap { selector in
            try? LabelSelector(validating: selector, field: "spec.podSelector", checker: checker)
        }
        let readSelector = spec != nil && (spec?.podSelector == nil || podSelector != nil)
        let directions = spec.flatMap(Self.directions) ?? (ingress: true, egress: true)
        self.init(namespace: reference.namespace!, name: reference.name,
                  podSelector: readSelector ? podSelector ?? .everything : .everything,
                  isolatesIngress: directions.ingress, isolatesEgress: directions.egress, unreadable: reason)
    }

    /// The directions `policyTypes` names, with the API server's default when it is absent; nil when
    /// it holds an unknown type. (Default: Ingress, plus Egress when there are egress rules: the
    /// NetworkPolicySpec.PolicyTypes doc in k8s.io/api networking/v1/types.go.)
    private static func directions(_ spec: NetworkPolicyObject.Spec) -> (ingress: Bool, egress: Bool)? {
        guard let types = spec.policyTypes, !types.isEmpty else { return (true, !(spec.egress ?? []).isEmpty) }
        guard types.allSatisfy({ $0 == "Ingress" || $0 == "Egress" }) else { return nil }
        return (types.contains("Ingress"), types.contains("Egress"))
    }
}
