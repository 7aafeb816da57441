extension ClusterNetworkPolicy {
    /// Checks every schema and CEL rule of the CRD (network-policy-api
    /// config/crd/standard/policy.networking.k8s.io_clusternetworkpolicies.yaml, v0.2.0). A peer or
    /// protocol entry the agent cannot read does not reject the object: its rule fails closed
    /// (`ClusterPolicyRule.failsClosed`), as the peer and protocol comments of the API ask.
    public init(validating object: ClusterNetworkPolicyObject) throws(ValidationError) {
        let reference = try object.metadata.reference(kind: "ClusterNetworkPolicy", namespaced: false)
        let checker = FieldChecker(object: reference)
        guard let spec = object.spec else { throw checker.error("spec", "must be set") }
        let tier = try Self.tier(of: spec, checker: checker)
        let priority = try Self.priority(of: spec, checker: checker)
        let subject = try ClusterPolicySubject(validating: spec.subject, field: "spec.subject", checker: checker)
        let ingress = try Self.rules(spec.ingress, direction: .ingress, checker: checker)
        let egress = try Self.rules(spec.egress, direction: .egress, checker: checker)
        self.init(name: reference.name, tier: tier, priority: priority, subject: subject, ingress: ingress, egress: egress)
    }

    /// Most rules per direction (`MaxItems=25`).
    static let maximumRules = 25

    static func tier(of spec: ClusterNetworkPolicyObject.Spec, checker: FieldChecker) throws(ValidationError) -> Tier {
        guard let text = spec.tier else { throw checker.error("spec.tier", "must be set") }
        guard let tier = Tier(rawValue: text) else {
            throw checker.error("spec.tier", "unknown tier \"\(text)\"; expected Admin or Baseline")
        }
        return tier
    }

    static func priority(of spec: ClusterNetworkPolicyObject.Spec, checker: FieldChecker) throws(ValidationError) -> Int {
        guard let priority = spec.priority else { throw checker.error("spec.priority", "must be set") }
        guard (0...1000).contains(priority) else {
            throw checker.error("spec.priority", "priority \(priority) is out of range 0-1000")
        }
        return priority
    }

    private static func rules(_ rules: [ClusterNetworkPolicyObject.Rule]?, direction: ClusterRuleDirection,
                              checker: FieldChecker) throws(ValidationError) -> [ClusterPolicyRule] {
        let field = "spec.\(direction.rawValue)"
        let rules = rules ?? []
        guard rules.count <= maximumRules else {
            throw checker.error(field, "has \(rules.count) rules; at most \(maximumRules) are allowed")
        }
        var validated: [ClusterPolicyRule] = []
        for (index, rule) in rules.enumerated() {
            validated.append(try ClusterPolicyRule(validating: rule, direction: direction, field: "\(field)[\(index)]", checker: checker))
        }
        return validated
    }
}

extension ClusterPolicySubject {
    init(validating subject: ClusterNetworkPolicyObject.Subject?, field: String, checker: FieldChecker) throws(ValidationError) {
        guard let subject else { throw checker.error(field, "must be set") }
        switch (subject.namespaces, subject.pods) {
        case (let namespaces?, nil):
            self = .namespaces(try LabelSelector(validating: namespaces, field: "\(field).namespaces", checker: checker))
        case (nil, let pods?):
            let (namespaces, selected) = try NamespacedPodSelector.validate(pods, field: "\(field).pods", checker: checker)
            self = .pods(namespaces: namespaces, pods: selected)
        default:
            throw checker.error(field, "must set exactly one of namespaces and pods")
        }
    }
}

/// `NamespacedPod`: `podSelector` is required; an absent `namespaceSelector` selects every namespace.
enum NamespacedPodSelector {
    static func validate(_ pods: ClusterNetworkPolicyObject.NamespacedPod, field: String,
                         checker: FieldChecker) throws(ValidationError) -> (namespaces: LabelSelector, pods: LabelSelector) {
        guard let podSelector = pods.podSelector else { throw checker.error("\(field).podSelector", "must be set") }
        let namespaces = try pods.namespaceSelector.map { selector throws(ValidationError) in
            try LabelSelector(validating: selector, field: "\(field).namespaceSelector", checker: checker)
        } ?? .everything
        return (namespaces, try LabelSelector(validating: podSelector, field: "\(field).podSelector", checker: checker))
    }
}
