import Glibc

/// A tiny Kubernetes-like cluster made of network namespaces, for kernel tests.
///
/// Every node and every pod is a namespace of its own; veths join pods to their node (routed, or
/// on a bridge per node: `LabTopology`) and nodes to each other, and nothing joins the lab to the
/// root namespace, so rules
/// loaded into a node and packets sent by probes stay inside. Nodes are numbered from 1.
/// Each pod serves TCP and UDP echo on `ports` (80 and 81 unless told; both families) and records
/// raw SCTP packets, all from this process. hostNetwork pods serve in their node's namespace.
///
/// With `services: true`, every node also runs kube-proxy-shaped Service tables (`KubeProxyScript`:
/// a ClusterIP and two NodePorts per pod) and an external client, `Lab.externalClient`, outside every
/// pod CIDR, is linked to each node; probes can then take a `ProbeRoute` other than the pod IP.
///
/// Call `destroy()` when done; deinit does it too, as a fallback.
public final class Lab: Sendable {
    private let plan: LabPlan
    private let servers: PodServers
    private let ports = PortAllocator()
    /// `true` once destroyed. Probe rounds hold this lock, so destroy waits for them.
    private let destroyed = Locked(false)

    /// Builds the namespaces, links, routes and servers. Throws `LabError.notPrivileged`
    /// without root/CAP_NET_ADMIN; on any failure, whatever was created is removed.
    public init(nodes: Int = 2, pods: [LabPodSpec], topology: LabTopology = .routed, services: Bool = false,
                ports: [UInt16] = Lab.defaultPorts) throws {
        try Privileges.check()
        Self.removeStale()
        let plan = try LabPlan(nodeCount: nodes, pods: pods, topology: topology, names: NamespaceNames(), services: services, ports: ports)
        let namespaces = plan.namespaces
        do {
            try LabBuilder.build(plan)
            servers = try PodServers(pods: plan.pods, ports: plan.ports)
        } catch {
            NamespaceNames.delete(namespaces)
            throw Privileges.classify(error)
        }
        self.plan = plan
    }

    deinit { destroy() }

    /// The TCP and UDP ports pods serve unless told otherwise.
    public static let defaultPorts: [UInt16] = [80, 81]

    // MARK: - Topology

    public var nodeCount: Int { plan.nodes.count }
    public var podNames: [String] { plan.pods.map(\.name) }

    /// The pod's address; `pod` is "namespace/name". Traps on an unknown pod.
    public func address(of pod: String, family: LabFamily) -> String {
        knownPod(pod).address(family)
    }

    /// Namespace name of node `node` (1-based), for `ip netns exec`.
    public func nodeNamespace(_ node: Int) -> String { plan.node(node).namespace }

    /// Kubernetes-style node name: "node-1", "node-2", …
    public func nodeName(_ node: Int) -> String { plan.node(node).name }

    /// The node's own address on the links between nodes.
    public func nodeAddress(_ node: Int, family: LabFamily) -> String {
        family == .v4 ? plan.node(node).ipv4 : plan.node(node).ipv6
    }

    /// The probe source outside the cluster, in labs with Services.
    public static let externalClient = LabPlan.Client.name

    /// The external client's address.
    public func externalClientAddress(family: LabFamily) -> String { LabPlan.Client.address(family) }

    /// The ClusterIP of the pod's own Service.
    public func clusterIP(of pod: String, family: LabFamily) -> String { knownPod(pod).clusterIP(family) }

    public var topology: LabTopology { plan.topology }

    /// The bridge that joins the pods of each node in the bridged topology.
    public static let bridgeName = BridgedTopologyScripts.bridge

    /// Turns br_netfilter's hand-over of bridged IPv4 and IPv6 traffic to the inet hooks on or off in
    /// every node (`net.bridge.bridge-nf-call-iptables` and `-ip6tables`, per network namespace).
    public func setBridgeHooks(enabled: Bool) throws {
        guard !destroyed.withLock({ $0 }) else { throw LabError.destroyed }
        for node in plan.nodes {
            try NetworkNamespace.run(in: node.namespace) {
                for (key, value) in BridgedTopologyScripts.bridgeHookSysctls(enabled: enabled) { try NetworkNamespace.setSysctl(key, value) }
            }
        }
    }

    /// Namespace name of a pod, for `ip netns exec` when debugging.
    public func podNamespace(_ pod: String) -> String { knownPod(pod).namespace }

    /// The node (1-based) a pod runs on.
    public func node(of pod: String) -> Int { knownPod(pod).node }

    private func knownPod(_ name: String) -> LabPlan.Pod {
        guard let pod = try? plan.pod(named: name) else { preconditionFailure("no pod named \(name) in this lab") }
        return pod
    }

    // MARK: - Acting

    /// Runs a command inside node `node`'s namespace, e.g. `["nft", "-f", "-"]` with the
    /// ruleset on stdin. A non-zero exit is returned, not thrown.
    public func run(inNode node: Int, _ argv: [String], stdin: String? = nil) throws -> CommandResult {
        let namespace = plan.node(node).namespace
        guard !destroyed.withLock({ $0 }) else { throw LabError.destroyed }
        return try Command.run(["ip", "netns", "exec", namespace] + argv, stdin: stdin)
    }

    /// Sends every probe at once and reports, in input order, which ones got through
    /// within `timeout`: TCP connected, UDP echoed, SCTP INIT seen by the destination.
    public func probe(_ probes: [Probe], timeout: Duration = .milliseconds(1500)) throws -> [Bool] {
        let targets = try probes.map { try ProbeRound.Target(probe: $0, plan: plan) }
        return try destroyed.withLock { isDestroyed in
            guard !isDestroyed else { throw LabError.destroyed }
            return try ProbeRound(targets: targets, servers: servers, ports: ports).run(timeout: timeout)
        }
    }

    /// Stops the servers and deletes every namespace of the lab. Safe to call twice.
    public func destroy() {
        let first = destroyed.withLock { isDestroyed in
            defer { isDestroyed = true }
            return !isDestroyed
        }
        guard first else { return }
        // Open sockets pin their namespace in the kernel: close them before deleting.
        servers.stop()
        NamespaceNames.delete(plan.namespaces)
    }

    // MARK: - Housekeeping

    /// Deletes lab namespaces left behind by processes that no longer exist
    /// (a crashed or killed test run). Labs of live processes are left alone.
    public static func removeStale() {
        let stale = NamespaceNames.existing().filter { name in
            guard let pid = NamespaceNames.creatorPID(of: name) else { return false }
            return !NamespaceNames.isAlive(pid)
        }
        NamespaceNames.delete(stale)
    }

    /// Namespaces of this lab, for checking that `destroy()` removed them.
    public var namespaces: [String] { plan.namespaces }
}
