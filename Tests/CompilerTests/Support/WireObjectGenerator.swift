@testable import ClusterModel
import TestSupport

/// Random wire objects of every kind the reader fills: labels and selectors, ports, IntOrString,
/// nil next to empty, escapes and unicode in values.
struct WireObjectGenerator {
    var random: SeededRandom

    mutating func text() -> String {
        random.pick(["web", "", "a/b", "quote\"d", "back\\slash", "line\nbreak", "tab\there", "caf\u{e9}", "\u{1F600}", "\u{2028}",
                     "nul\u{0}x", "x\u{7F}", "\u{FFFE}", "ns-\(random.int(0...999))", "e\u{301}"])
    }

    mutating func maybe<T>(_ make: (inout Self) -> T) -> T? { random.int(0...3) == 0 ? nil : make(&self) }

    mutating func list<T>(_ make: (inout Self) -> T) -> [T] { (0..<random.int(0...3)).map { _ in make(&self) } }

    mutating func labels() -> [String: String] {
        Dictionary(list { ("key-\($0.random.int(0...9))", $0.text()) }, uniquingKeysWith: { first, _ in first })
    }

    mutating func metadata() -> ObjectMeta {
        var metadata = ObjectMeta(name: maybe { $0.text() }, namespace: maybe { $0.text() }, labels: maybe { $0.labels() })
        metadata.resourceVersion = maybe { String($0.random.int(0...999_999_999)) }
        metadata.creationTimestamp = maybe { _ in "2026-12-06T21:00:00Z" }
        return metadata
    }

    mutating func selector() -> LabelSelectorObject {
        LabelSelectorObject(matchLabels: maybe { $0.labels() }, matchExpressions: maybe {
            $0.list { LabelSelectorObject.Requirement(key: $0.maybe { $0.text() }, operator: $0.maybe { $0.pick(["In", "Exists", "x"]) },
                                                       values: $0.maybe { $0.list { $0.text() } }) }
        })
    }

    mutating func pick(_ items: [String]) -> String { random.pick(items) }

    mutating func int() -> Int { random.pick([0, 1, 80, 65535, -1, -7, 999_999_999_999_999_999, -999_999_999_999_999_999]) }

    mutating func containerPort() -> PodObject.ContainerPort {
        PodObject.ContainerPort(name: maybe { $0.text() }, containerPort: maybe { $0.int() }, protocol: maybe { $0.pick(["TCP", "UDP"]) })
    }

    mutating func container() -> PodObject.Container {
        var container = PodObject.Container(name: maybe { $0.text() }, ports: maybe { $0.list { $0.containerPort() } })
        container.restartPolicy = maybe { $0.pick(["Always", "Never"]) }
        return container
    }

    mutating func pod() -> PodObject {
        var spec = PodObject.Spec(nodeName: maybe { $0.text() }, hostNetwork: maybe { $0.random.bool() }, containers: maybe { $0.list { $0.container() } })
        spec.initContainers = maybe { $0.list { $0.container() } }
        let podIPs: [PodObject.PodIP]? = maybe { $0.list { PodObject.PodIP(ip: $0.maybe { $0.text() }) } }
        let status: PodObject.Status? = maybe { PodObject.Status(phase: $0.maybe { $0.pick(["Running", "Pending"]) }, podIP: $0.maybe { $0.text() }, podIPs: podIPs) }
        return PodObject(metadata: metadata(), spec: maybe { _ in spec }, status: status)
    }

    mutating func peer() -> NetworkPolicyObject.Peer {
        let block: NetworkPolicyObject.IPBlock? = maybe { NetworkPolicyObject.IPBlock(cidr: $0.maybe { $0.text() }, except: $0.maybe { $0.texts() }) }
        return NetworkPolicyObject.Peer(podSelector: maybe { $0.selector() }, namespaceSelector: maybe { $0.selector() }, ipBlock: block)
    }

    mutating func port() -> NetworkPolicyObject.Port {
        let port: IntOrString? = maybe { $0.random.bool() ? .int($0.int()) : .string($0.pick(["http", "80", ""])) }
        return NetworkPolicyObject.Port(protocol: maybe { $0.pick(["TCP", "SCTP"]) }, port: port, endPort: maybe { $0.int() })
    }

    mutating func texts() -> [String] { list { $0.text() } }

    mutating func networkPolicy() -> NetworkPolicyObject {
        let ingress: [NetworkPolicyObject.IngressRule]? = maybe {
            $0.list { NetworkPolicyObject.IngressRule(from: $0.maybe { $0.list { $0.peer() } }, ports: $0.maybe { $0.list { $0.port() } }) }
        }
        let egress: [NetworkPolicyObject.EgressRule]? = maybe {
            $0.list { NetworkPolicyObject.EgressRule(to: $0.maybe { $0.list { $0.peer() } }, ports: $0.maybe { $0.list { $0.port() } }) }
        }
        let spec = NetworkPolicyObject.Spec(podSelector: maybe { $0.selector() }, policyTypes: maybe { $0.list { $0.pick(["Ingress", "Egress"]) } },
                                            ingress: ingress, egress: egress)
        return NetworkPolicyObject(metadata: metadata(), spec: maybe { _ in spec })
    }

    mutating func node() -> NodeObject {
        let spec: NodeObject.Spec? = maybe { NodeObject.Spec(podCIDR: $0.maybe { $0.text() }, podCIDRs: $0.maybe { $0.texts() }) }
        let addresses: [NodeObject.Address]? = maybe { $0.list { NodeObject.Address(type: $0.maybe { $0.text() }, address: $0.maybe { $0.text() }) } }
        return NodeObject(metadata: metadata(), spec: spec, status: maybe { _ in NodeObject.Status(addresses: addresses) })
    }

    typealias CNP = ClusterNetworkPolicyObject

    mutating func namespacedPod() -> CNP.NamespacedPod {
        CNP.NamespacedPod(namespaceSelector: maybe { $0.selector() }, podSelector: maybe { $0.selector() })
    }

    mutating func clusterPeer() -> CNP.Peer {
        CNP.Peer(namespaces: maybe { $0.selector() }, pods: maybe { $0.namespacedPod() }, networks: maybe { $0.texts() },
                 nodes: maybe { $0.selector() }, domainNames: maybe { $0.texts() })
    }

    mutating func portProtocol() -> CNP.PortProtocol {
        let range: CNP.PortRange? = maybe { CNP.PortRange(start: $0.maybe { $0.int() }, end: $0.maybe { $0.int() }) }
        let number: Int? = maybe { $0.int() }
        return CNP.PortProtocol(destinationPort: maybe { _ in CNP.DestinationPort(number: number, range: range) })
    }

    mutating func protocolEntry() -> CNP.ProtocolEntry {
        CNP.ProtocolEntry(tcp: maybe { $0.portProtocol() }, udp: maybe { $0.portProtocol() }, sctp: maybe { $0.portProtocol() },
                          destinationNamedPort: maybe { $0.text() })
    }

    mutating func clusterRule() -> CNP.Rule {
        CNP.Rule(name: maybe { $0.text() }, action: maybe { $0.pick(["Accept", "Deny", "Pass"]) }, from: maybe { $0.list { $0.clusterPeer() } },
                 to: maybe { $0.list { $0.clusterPeer() } }, protocols: maybe { $0.list { $0.protocolEntry() } })
    }

    mutating func clusterNetworkPolicy() -> CNP {
        let subject: CNP.Subject? = maybe { CNP.Subject(namespaces: $0.maybe { $0.selector() }, pods: $0.maybe { $0.namespacedPod() }) }
        let spec = CNP.Spec(tier: maybe { $0.pick(["Admin", "Baseline"]) }, priority: maybe { $0.int() }, subject: subject,
                            ingress: maybe { $0.list { $0.clusterRule() } }, egress: maybe { $0.list { $0.clusterRule() } })
        return CNP(metadata: metadata(), spec: maybe { _ in spec })
    }
}
