extension ClusterNetworkPolicy {
    /// The stand-in for a ClusterNetworkPolicy the agent cannot read (it failed to decode or to
    /// validate, and no valid version of it is in force). Skipping it could leave open what an Admin
    /// Deny meant to close, so the stand-in denies all traffic of its subject in both directions:
    ///
    /// - at its tier and priority, where they validate; else Admin, priority 0 (before everything);
    /// - for its subject, where it validates; else for every pod.
    ///
    /// `object` is nil when the object did not even decode. Returns nil without a name: nothing could
    /// update or delete the stand-in then.
    public init?(failingClosed object: ClusterNetworkPolicyObject?, metadata: ObjectMeta, reason: String) {
        guard let reference = try? metadata.reference(kind: "ClusterNetworkPolicy", namespaced: false) else { return nil }
        let checker = FieldChecker(object: reference)
        let spec = object?.spec
        let tier = spec.flatMap { try? Self.tier(of: $0, checker: checker) } ?? .admin
        let priority = spec.flatMap { try? Self.priority(of: $0, checker: checker) } ?? 0
        let subject = spec.flatMap { try? ClusterPolicySubject(validating: $0.subject, field: "spec.subject", checker: checker) }
        self.init(name: reference.name, tier: tier, priority: priority, subject: subject ?? .namespaces(.everything),
                  unreadable: reason)
    }
}
