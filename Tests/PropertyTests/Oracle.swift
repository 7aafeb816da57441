import Compiler
import IPAddressing
import Ruleset

/// networking.k8s.io/v1 NetworkPolicy semantics written down directly from the API reference, over the
/// generator's wire objects (not the validated model), for one node's forward hook: is a new connection
/// from `source` to `destination` allowed? ClusterNetworkPolicy tiers wrap the NetworkPolicy decision
/// (ClusterPolicyOracle.swift).
struct Oracle {
    struct Member {
        var pod: GenPod
        var addresses: [IPAddress]
    }

    let cluster: GenCluster
    /// Each address of an enforceable pod belongs to its newest claimant.
    private var owner: [IPAddress: Int] = [:]
    private(set) var namespaceLabels: [String: [String: String]] = [:]

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

    /// `hook`: `.forward` judges the source's egress and the destination's ingress; `.input` (a local
    /// pod's connection to this node's address) judges the source's egress only, where the NetworkPolicy
    /// tier allows everything unless `nodeEgress` is `.policy`.
    func allows(_ packet: Packet, hook: BaseChainHook.Hook = .forward, nodeEgress: CompilerOptions.NodeEgress = .allow) -> Bool {
        let source = pod(at: packet.source), destination = pod(at: packet.destination)
        if let source, source.node == cluster.node {
            let egress = Judgement(subject: source, type: "Egress", peerAddress: packet.destination, peer: destination, receiver: destination)
            let nodeAllowed = hook == .input && nodeEgress == .allow
            if !permits(egress, packet, networkPolicyTier: nodeAllowed ? { _, _ in true } : networkPolicyAllows) { return false }
        }
        guard hook == .forward else { return true }
        if let destination, destination.node == cluster.node {
            let ingress = Judgement(subject: destination, type: "Ingress", peerAddress: packet.source, peer: source, receiver: destination)
            if !permits(ingress, packet, networkPolicyTier: networkPolicyAllows) { return false }
        }
        return true
    }

    /// One direction of one connection, from the local pod's side.
    struct Judgement {
        var subject: GenPod
        /// "Ingress" or "Egress".
        var type: String
        var peerAddress: IPAddress
        var peer: GenPod?
        /// The pod that receives the connection, where named ports resolve.
        var receiver: GenPod?
    }

    /// The NetworkPolicy tier for a pod some NetworkPolicy isolates in this direction: does one allow it?
    func networkPolicyAllows(_ judgement: Judgement, _ packet: Packet) -> Bool {
        isolating(judgement.subject, type: judgement.type).contains { policy in
            ((judgement.type == "Ingress" ? policy.ingress : policy.egress) ?? []).contains { rule in
                peersMatch(rule.peers, policy: policy, address: judgement.peerAddress, pod: judgement.peer)
                    && portsMatch(rule.ports, packet: packet, receiver: judgement.receiver)
            }
        }
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
