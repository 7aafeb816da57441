extension FakeAPIServer {
    /// Installs (`true`) or deletes (`false`) the policy.networking.k8s.io/v1alpha2 CRD at run time
    /// (control op `policy-api`). Deleting answers 404 to its discovery, LIST and WATCH and ends open
    /// watches; its objects vanish without DELETED events.
    public func serveClusterPolicies(_ served: Bool) throws {
        try send(["op": "policy-api", "version": "v1alpha2", "served": served])
    }

    /// Creates or replaces a ClusterNetworkPolicy; `spec` as in the API, e.g.
    /// `["tier": "Admin", "priority": 10, "subject": ["namespaces": [:]], "egress": [...]]`.
    public func applyClusterPolicy(_ name: String, spec: [String: Any]) throws {
        try apply(["apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
                   "metadata": ["name": name], "spec": spec])
    }

    public func deleteClusterPolicy(_ name: String) throws {
        try delete(kind: "ClusterNetworkPolicy", name: name)
    }
}
