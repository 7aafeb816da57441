import IPAddressing

extension NetworkPolicy {
    /// Checks every field the API server would, and applies its defaults (policyTypes, protocol TCP).
    public init(validating object: NetworkPolicyObject) throws(ValidationError) {
        let reference = try object.metadata.reference(kind: "NetworkPolicy", namespaced: true)
        let (namespace, name) = (reference.namespace!, reference.name)
        let checker = FieldChecker(object: reference)
        // Spec is an optional non-pointer struct upstream (k8s.io/api/networking/v1/types.go): absent is empty.
        let spec = object.spec ?? NetworkPolicyObject.Spec()

        // An absent podSelector decodes as Go's zero LabelSelector, which selects every pod.
        let podSelector = try spec.podSelector.map { selector throws(ValidationError) in
            try LabelSelector(validating: selector, field: "spec.podSelector", checker: checker)
        } ?? .everything

        var isolatesIngress = false, isolatesEgress = false
        if let types = spec.policyTypes, !types.isEmpty {
            for (index, type) in types.enumerated() {
                switch type {
                case "Ingress": isolatesIngress = true
                case "Egress": isolatesEgress = true
                default: throw checker.error("spec.policyTypes[\(index)]", "unknown policy type \"\(type)\"; expected Ingress or Egress")
                }
            }
        } else {
            // API default: Ingress always; Egress when the policy has egress rules.
            isolatesIngress = true
            isolatesEgress = !(spec.egress ?? []).isEmpty
        }

        var ingress: [PolicyRule] = []
        for (index, rule) in (spec.ingress ?? []).enumerated() {
            ingress.append(try PolicyRule(peers: rule.from, ports: rule.ports, namespace: namespace,
                                          field: "spec.ingress[\(index)]", peerField: "from", checker: checker))
        }
        var egress: [PolicyRule] = []
        for (index, rule) in (spec.egress ?? []).enumerated() {
            egress.append(try PolicyRule(peers: rule.to, ports: rule.ports, namespace: namespace,
                                         field: "spec.egress[\(index)]", peerField: "to", checker: checker))
        }
        self.init(namespace: namespace, name: name, podSelector: podSelector, isolatesIngress: isolatesIngress,
                  isolatesEgress: isolatesEgress, ingress: ingress, egress: egress)
    }
}

extension PolicyRule {
    /// `field` is spelled out only for an error: a rule that validates builds no field paths.
    init(peers: [NetworkPolicyObject.Peer]?, ports: [NetworkPolicyObject.Port]?, namespace: String, field: @autoclosure () -> String,
         peerField: String, checker: FieldChecker) throws(ValidationError) {
        var validPeers: [Peer]?
        if let peers, !peers.isEmpty {
            var list: [Peer] = []
            for (index, peer) in peers.enumerated() {
                list.append(try Peer(validating: peer, namespace: namespace, field: "\(field()).\(peerField)[\(index)]", checker: checker))
            }
            validPeers = list
        }
        var validPorts: [PolicyPort]?
        if let ports, !ports.isEmpty {
            var list: [PolicyPort] = []
            for (index, port) in ports.enumerated() {
                list.append(try PolicyPort(validating: port, field: "\(field()).ports[\(index)]", checker: checker))
            }
            validPorts = list
        }
        self.init(peers: validPeers, ports: validPorts)
    }
}

extension Peer {
    init(validating peer: NetworkPolicyObject.Peer, namespace: String, field: @autoclosure () -> String,
         checker: FieldChecker) throws(ValidationError) {
        if let block = peer.ipBlock {
            guard peer.podSelector == nil, peer.namespaceSelector == nil else {
                throw checker.error(field(), "ipBlock cannot be combined with podSelector or namespaceSelector")
            }
            self = .ipBlock(try IPBlock(validating: block, field: "\(field()).ipBlock", checker: checker))
            return
        }
        guard peer.podSelector != nil || peer.namespaceSelector != nil else {
            throw checker.error(field(), "must specify podSelector, namespaceSelector or ipBlock")
        }
        let pods = try peer.podSelector.map { selector throws(ValidationError) in
            try LabelSelector(validating: selector, field: "\(field()).podSelector", checker: checker)
        } ?? .everything
        let scope: NamespaceScope
        if let selector = peer.namespaceSelector {
            scope = .selected(try LabelSelector(validating: selector, field: "\(field()).namespaceSelector", checker: checker))
        } else {
            scope = .named(namespace)
        }
        self = .pods(namespaces: scope, pods: pods)
    }
}

extension IPBlock {
    init(validating block: NetworkPolicyObject.IPBlock, field: @autoclosure () -> String, checker: FieldChecker) throws(ValidationError) {
        guard let text = block.cidr, !text.isEmpty else { throw checker.error("\(field()).cidr", "must be set") }
        guard let cidr = CIDR(text) else { throw checker.error("\(field()).cidr", "invalid CIDR \"\(text)\"") }
        var except: [CIDR] = []
        for (index, text) in (block.except ?? []).enumerated() {
            func path() -> String { "\(field()).except[\(index)]" }
            guard let cut = CIDR(text) else { throw checker.error(path(), "invalid CIDR \"\(text)\"") }
            guard cut.family == cidr.family, cut.prefixLength > cidr.prefixLength,
                  cidr.range.lower <= cut.range.lower, cut.range.upper <= cidr.range.upper else {
                throw checker.error(path(), "\(text) must be strictly within cidr \(cidr)")
            }
            except.append(cut)
        }
        self.init(cidr: cidr, except: except)
    }
}

extension PolicyPort {
    init(validating port: NetworkPolicyObject.Port, field: @autoclosure () -> String, checker: FieldChecker) throws(ValidationError) {
        let protocolName = port.protocol ?? "TCP"
        guard let proto = L4Protocol(kubernetesName: protocolName) else {
            throw checker.error("\(field()).protocol", "unknown protocol \"\(protocolName)\"; expected TCP, UDP or SCTP")
        }
        switch port.port {
        case nil:
            guard port.endPort == nil else { throw checker.error("\(field()).endPort", "requires port to be set") }
            self.init(proto: proto, target: .all)
        case .int(let number):
            guard (1...65535).contains(number) else {
                throw checker.error("\(field()).port", "port \(number) is out of range 1-65535")
            }
            let end = port.endPort ?? number
            guard (1...65535).contains(end) else { throw checker.error("\(field()).endPort", "endPort \(end) is out of range 1-65535") }
            guard end >= number else {
                throw checker.error("\(field()).endPort", "endPort \(end) must not be below port \(number)")
            }
            self.init(proto: proto, target: .numbers(UInt16(number)...UInt16(end)))
        case .string(let name):
            guard port.endPort == nil else {
                throw checker.error("\(field()).endPort", "cannot be used with the named port \"\(name)\"")
            }
            guard PortName.isValid(name) else {
                throw checker.error("\(field()).port", "invalid port name \"\(name)\" (IANA service name: 1-15 lowercase letters, digits and '-', with a letter)")
            }
            self.init(proto: proto, target: .named(name))
        }
    }
}

/// IANA_SVC_NAME, as Kubernetes validates containerPort names.
enum PortName {
    static func isValid(_ name: String) -> Bool {
        guard (1...15).contains(name.count), name.first != "-", name.last != "-", !name.contains("--"),
              name.contains(where: { $0.isLetter }) else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }
}
