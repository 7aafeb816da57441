import IPAddressing
import Ruleset

/// networking.k8s.io/v1 NetworkPolicy semantics written down directly from the API reference, over the
/// generator's wire objects (not the validated model), for one node's forward hook: is a new connection
/// from `source` to `destination` allowed?
struct Oracle {
    struct Member {
        var pod: GenPod
        var addresses: [IPAddress]
    }

    let cluster: GenCluster
    /// Each address of an enforceable pod belongs to its newest claimant.
    private var owner: [IPAddress: Int] = [:]
    private var namespaceLabels: [String: [String: String]] = [:]

    init(_ cluster: GenCluster) {
        self.cluster = cluster
        for namespace in cluster.namespaces {
            var labels = namespace.labels
            labels["kubernetes.io/metadata.name"] = namespace.name
            namespaceLabels[namespace.name] = labels
        }
        for (index, pod) in cluster.pods.enumerated() where Oracle.takesPart(pod) {
            for text in pod.ips {
                let address = IPAddress(text)!
                if let current = owner[address], !Oracle.newer(pod, than: cluster.pods[current]) { continue }
                owner[address] = index
            }
        }
    }

    /// Running or pending, own network namespace, an address.
    static func takesPart(_ pod: GenPod) -> Bool {
        pod.phase != "Succeeded" && pod.phase != "Failed" && !pod.hostNetwork && !pod.ips.isEmpty
    }

    static func newer(_ pod: GenPod, than other: GenPod) -> Bool {
        (pod.created ?? "", pod.namespace, pod.name) > (other.created ?? "", other.namespace, other.name)
    }

    func pod(at address: IPAddress) -> GenPod? { owner[address].map { cluster.pods[$0] } }

    func allows(_ packet: Packet) -> Bool {
        let source = pod(at: packet.source), destination = pod(at: packet.destination)
        if let source, source.node == cluster.node {
            let policies = isolating(source, type: "Egress")
            if !policies.isEmpty {
                let allowed = policies.contains { policy in
                    (policy.egress ?? []).contains { rule in
                        peersMatch(rule.peers, policy: policy, address: packet.destination, pod: destination)
                            && portsMatch(rule.ports, packet: packet, receiver: destination)
                    }
                }
                if !allowed { return false }
            }
        }
        if let destination, destination.node == cluster.node {
            let policies = isolating(destination, type: "Ingress")
            if !policies.isEmpty {
                let allowed = policies.contains { policy in
                    (policy.ingress ?? []).contains { rule in
                        peersMatch(rule.peers, policy: policy, address: packet.source, pod: source)
                            && portsMatch(rule.ports, packet: packet, receiver: destination)
                    }
                }
                if !allowed { return false }
            }
        }
        return true
    }

    /// Policies of the pod's namespace that select it and have `type` in their (defaulted) policyTypes.
    func isolating(_ pod: GenPod, type: String) -> [GenPolicy] {
        cluster.policies.filter { policy in
            guard policy.namespace == pod.namespace, Oracle.matches(policy.podSelector ?? GenSelector(), pod.labels) else { return false }
            if let types = policy.policyTypes, !types.isEmpty { return types.contains(type) }
            // Defaulted: Ingress always, Egress when there are egress rules.
            return type == "Ingress" || !(policy.egress ?? []).isEmpty
        }
    }

    func peersMatch(_ peers: [GenPeer]?, policy: GenPolicy, address: IPAddress, pod: GenPod?) -> Bool {
        guard let peers, !peers.isEmpty else { return true }
        return peers.contains { peer in
            if let block = peer.ipBlock {
                let cidr = CIDR(block.cidr)!
                guard cidr.family == address.family, cidr.range.lower <= address, address <= cidr.range.upper else { return false }
                return !(block.except ?? []).contains { text in
                    let cut = CIDR(text)!.range
                    return cut.lower <= address && address <= cut.upper
                }
            }
            guard let pod else { return false }
            if let namespaceSelector = peer.namespaceSelector {
                guard let labels = namespaceLabels[pod.namespace], Oracle.matches(namespaceSelector, labels) else { return false }
            } else if pod.namespace != policy.namespace {
                return false
            }
            return Oracle.matches(peer.podSelector ?? GenSelector(), pod.labels)
        }
    }

    /// Named ports resolve on the pod receiving the connection.
    func portsMatch(_ ports: [GenPort]?, packet: Packet, receiver: GenPod?) -> Bool {
        guard let ports, !ports.isEmpty else { return true }
        return ports.contains { port in
            guard (port.proto ?? "TCP") == packet.proto.kubernetesName else { return false }
            switch port.port {
            case nil: return true
            case .number(let number)?: return (number...(port.endPort ?? number)).contains(Int(packet.port))
            case .name(let name)?:
                guard let receiver else { return false }
                return receiver.servingPorts.contains {
                    $0.name == name && ($0.proto ?? "TCP") == packet.proto.kubernetesName && $0.number == Int(packet.port)
                }
            }
        }
    }

    static func matches(_ selector: GenSelector, _ labels: [String: String]) -> Bool {
        for (key, value) in selector.matchLabels ?? [:] where labels[key] != value { return false }
        for expression in selector.expressions ?? [] {
            let value = labels[expression.key]
            switch expression.op {
            case "In": if !(value.map { (expression.values ?? []).contains($0) } ?? false) { return false }
            case "NotIn": if let value, (expression.values ?? []).contains(value) { return false }
            case "Exists": if value == nil { return false }
            case "DoesNotExist": if value != nil { return false }
            default: fatalError("generator made operator \(expression.op)")
            }
        }
        return true
    }
}
