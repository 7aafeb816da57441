import BenchmarkSupport
import ClusterModel
import Compiler
import Foundation
import IPAddressing
import NetnsLab
import NftNetlink
import Ruleset

/// What ClusterNetworkPolicies cost per packet: new TCP connections per second from one lab pod to
/// another through their node's forward hook, with the agent's table for a cluster of 10,000 pods and
/// 1,000 NetworkPolicies (one of them isolating the probed pods, which it allows) programmed into the
/// node. Shapes: no CNP; 1,000 CNPs that select other pods (some on this node); the same plus a few
/// Admin CNPs selecting the server, whose rules the connections walk to the end. The shapes take turns
/// within every run so the machine's noise falls on all of them; each sample is one second.
func packetCost(runs: Int = 7, selecting: Int = 5) throws {
    let lab = try Lab(nodes: 1, pods: [LabPodSpec(name: "bench/client", node: 1), LabPodSpec(name: "bench/server", node: 1)])
    defer { lab.destroy() }
    // Refused connections leave CLOSE entries; let them go after 1 s so the table stays small.
    _ = try lab.run(inNode: 1, ["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_timeout_close=1"])
    let base = benchCluster(lab)
    let others = SyntheticClusterPolicies.make(1_000, namespaceCount: base.namespaces.count - 1)
    let selectingServer = SyntheticClusterPolicies.selecting(namespace: "bench", pods: ["app": "server"], count: selecting)
    let shapes: [(String, [ClusterNetworkPolicy])] = [
        ("no CNP", []), ("1,000 CNPs, none selects the pods", others),
        ("1,000 CNPs + \(selecting) Admin selecting the server", others + selectingServer),
    ]
    let rulesets = shapes.map { shape in
        var cluster = base
        cluster.clusterPolicies = shape.1
        return PolicyCompiler.compile(cluster, node: lab.nodeName(1))
    }
    let programmer = try KernelProgrammer(tableName: rulesets[0].table.name, netns: lab.nodeNamespace(1))
    print("per-packet cost: new TCP connections/s, bench/client -> bench/server (IPv4, port 9: refused, so only the SYN and")
    print("the RST cross the node), through node-1's forward hook; 10,000 pods and 1,000 policies; medians of \(runs) s:")
    var rates = shapes.map { _ in [Double]() }
    for _ in 0..<runs {
        for (index, ruleset) in rulesets.enumerated() {
            try programmer.apply(ruleset)
            rates[index].append(try lab.connectionRate(from: "bench/client", to: "bench/server", port: 9, family: .v4, duration: .seconds(1)))
        }
    }
    let reference = median(rates[0])
    let server = IPAddress(lab.address(of: "bench/server", family: .v4))!
    for (index, shape) in shapes.enumerated() {
        print(String(format: "  %@ %8.0f connections/s (%+.1f%%); the server's ingress: %@", shape.0.padding(toLength: 46, withPad: " ", startingAt: 0),
                     median(rates[index]), (median(rates[index]) / reference - 1) * 100, ingressPath(of: server, in: rulesets[index])))
    }
}

/// The chain the server's ingress map entry jumps to, and the chains it may go on to, with their rule counts.
private func ingressPath(of address: IPAddress, in ruleset: Ruleset) -> String {
    let table = ruleset.table
    let entry = table.sets.first { $0.name == "ingress_v4" }?.elements.first { $0.key == [.address(address)] }
    guard case .jump(var name)? = entry?.verdict else { return "no entry" }
    var path: [String] = []
    while let chain = table.chains.first(where: { $0.name == name }) {
        path.append("\(chain.name) (\(chain.rules.count) rules)")
        guard case .verdict(.goto(let next))? = chain.rules.last?.action else { break }
        name = next
    }
    return path.joined(separator: " -> ")
}

/// The synthetic cluster plus namespace `bench` holding the lab's two pods on node-1; a policy isolates
/// the server, allowing the client, and one isolates the client's egress, allowing the server.
private func benchCluster(_ lab: Lab) -> ClusterState {
    var cluster = SyntheticCluster.make(pods: 10_000, policies: 1_000)
    cluster.namespaces.append(Namespace(name: "bench", labels: ["kubernetes.io/metadata.name": "bench"]))
    for pod in ["client", "server"] {
        let name = "bench/\(pod)"
        cluster.pods.append(Pod(namespace: "bench", name: pod, labels: ["app": pod], nodeName: lab.nodeName(1),
                                addresses: LabFamily.allCases.map { IPAddress(lab.address(of: name, family: $0))! },
                                creationTimestamp: "2026-01-01T00:00:00Z"))
    }
    let app = { (name: String) in LabelSelector(requirements: [.init(key: "app", op: .in([name]))]) }
    cluster.policies.append(NetworkPolicy(namespace: "bench", name: "server", podSelector: app("server"), isolatesIngress: true,
                                          isolatesEgress: false, ingress: [PolicyRule(peers: [.pods(namespaces: .named("bench"), pods: app("client"))])]))
    cluster.policies.append(NetworkPolicy(namespace: "bench", name: "client", podSelector: app("client"), isolatesIngress: false,
                                          isolatesEgress: true, egress: [PolicyRule(peers: [.pods(namespaces: .named("bench"), pods: app("server"))])]))
    return cluster
}
