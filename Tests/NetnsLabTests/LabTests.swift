import Foundation
import Testing
import NetnsLab

/// Kernel end-to-end tests of the lab itself. They need root (or CAP_NET_ADMIN and
/// CAP_SYS_ADMIN) and fail, not skip, without it. Each test builds and destroys its own lab.
@Suite(.serialized)
struct LabTests {
    static let pods = [
        LabPodSpec(name: "x/a", node: 1), LabPodSpec(name: "x/b", node: 1),
        LabPodSpec(name: "y/a", node: 2), LabPodSpec(name: "y/b", node: 2),
    ]

    /// Every ordered pair of distinct pods, every port, protocol and family.
    static func allProbes(_ names: [String]) -> [Probe] {
        var probes = [Probe]()
        for from in names {
            for to in names where to != from {
                for port: UInt16 in [80, 81] {
                    for proto in ProbeProtocol.allCases {
                        for family in LabFamily.allCases {
                            probes.append(Probe(from: from, to: to, port: port, proto: proto, family: family))
                        }
                    }
                }
            }
        }
        return probes
    }

    static func failures(_ probes: [Probe], _ results: [Bool]) -> [String] {
        zip(probes, results).filter { !$0.1 }.map { $0.0.description }
    }

    @Test func everyPodReachesEveryPodWithoutRules() throws {
        let rootBefore = try RootSnapshot()
        let lab = try Lab(pods: Self.pods)
        defer { lab.destroy() }
        let probes = Self.allProbes(lab.podNames)
        let results = try lab.probe(probes)
        #expect(Self.failures(probes, results) == [])
        // A second round must not be disturbed by the first (conntrack, sockets, ports).
        #expect(Self.failures(probes, try lab.probe(probes)) == [])
        #expect(try RootSnapshot() == rootBefore, "the root namespace must not change")
    }

    @Test func forwardDropRuleFailsExactlyItsProbes() throws {
        let lab = try Lab(pods: Self.pods)
        defer { lab.destroy() }
        let sameNode = lab.address(of: "x/b", family: .v4)    // on node 1
        let crossNode = lab.address(of: "y/a", family: .v4)   // on node 2, reached through node 1's forward
        let rules = """
            table inet t {
                chain f {
                    type filter hook forward priority 0;
                    ip daddr \(sameNode) tcp dport 80 drop
                    ip daddr \(crossNode) tcp dport 80 drop
                }
            }
            """
        let load = try lab.run(inNode: 1, ["nft", "-f", "-"], stdin: rules)
        #expect(load.status == 0, "nft: \(load.stderr)")

        let probes = Self.allProbes(lab.podNames)
        let results = try lab.probe(probes)
        for (probe, passed) in zip(probes, results) {
            let blocked = probe.proto == .tcp && probe.port == 80 && probe.family == .v4
                && (probe.to == "x/b" || (probe.to == "y/a" && lab.node(of: probe.from) == 1))
            #expect(passed == !blocked, "\(probe)")
        }
    }

    /// UDP and SCTP probes fail when dropped too, IPv6 as well as IPv4, and a reject
    /// (TCP reset, ICMP unreachable) fails a probe at once instead of at the timeout.
    @Test func everyProtocolAndFamilyCanBeBlocked() throws {
        let lab = try Lab(pods: Self.pods)
        defer { lab.destroy() }
        let rules = """
            table inet t {
                chain f {
                    type filter hook forward priority 0;
                    ip6 daddr \(lab.address(of: "y/a", family: .v6)) udp dport 81 drop
                    ip daddr \(lab.address(of: "y/b", family: .v4)) sctp dport 80 drop
                    ip6 daddr \(lab.address(of: "x/a", family: .v6)) sctp dport 81 drop
                    ip6 daddr \(lab.address(of: "x/a", family: .v6)) tcp dport 81 reject with tcp reset
                    ip daddr \(lab.address(of: "x/a", family: .v4)) udp dport 80 reject
                }
            }
            """
        let load = try lab.run(inNode: 2, ["nft", "-f", "-"], stdin: rules)
        #expect(load.status == 0, "nft: \(load.stderr)")
        func blocked(_ p: Probe) -> Bool {
            let crossesNode2 = lab.node(of: p.from) == 2 || lab.node(of: p.to) == 2
            guard crossesNode2 else { return false }
            switch (p.to, p.proto, p.port, p.family) {
            case ("y/a", .udp, 81, .v6), ("y/b", .sctp, 80, .v4), ("x/a", .sctp, 81, .v6),
                 ("x/a", .tcp, 81, .v6), ("x/a", .udp, 80, .v4): return true
            default: return false
            }
        }
        let probes = Self.allProbes(lab.podNames)
        let results = try lab.probe(probes)
        for (probe, passed) in zip(probes, results) {
            #expect(passed == !blocked(probe), "\(probe)")
        }

        // Rejected probes alone come back well before the timeout.
        let rejected = probes.filter { $0.to == "x/a" && lab.node(of: $0.from) == 2 && (($0.proto == .tcp && $0.port == 81 && $0.family == .v6) || ($0.proto == .udp && $0.port == 80 && $0.family == .v4)) }
        #expect(rejected.count == 4)
        var rejectedResults = [Bool]()
        let elapsed = try ContinuousClock().measure { rejectedResults = try lab.probe(rejected, timeout: .seconds(5)) }
        #expect(rejectedResults == Array(repeating: false, count: rejected.count))
        #expect(elapsed < .seconds(2))
    }

    /// The SCTP INIT packets must be valid new flows for conntrack, or policies using
    /// `ct state` would judge them as invalid packets instead of new connections.
    @Test func sctpProbesAreNewConntrackFlows() throws {
        let lab = try Lab(pods: Self.pods)
        defer { lab.destroy() }
        let rules = """
            table inet t {
                chain f {
                    type filter hook forward priority 0;
                    meta l4proto sctp ct state invalid drop
                    meta l4proto sctp ct state new counter name newSCTP
                }
                counter newSCTP {}
            }
            """
        let load = try lab.run(inNode: 1, ["nft", "-f", "-"], stdin: rules)
        #expect(load.status == 0, "nft: \(load.stderr)")
        let probes = Self.allProbes(lab.podNames).filter { $0.proto == .sctp }
        #expect(Self.failures(probes, try lab.probe(probes)) == [])

        // Every SCTP probe except those between the two node-2 pods crosses node 1.
        let crossingNode1 = probes.filter { lab.node(of: $0.from) == 1 || lab.node(of: $0.to) == 1 }.count
        let counter = try lab.run(inNode: 1, ["nft", "list", "counter", "inet", "t", "newSCTP"])
        #expect(counter.stdout.contains("packets \(crossingNode1) "), "\(counter.stdout)")
    }

    @Test func destroyRemovesEveryNamespace() throws {
        let lab = try Lab(pods: Self.pods)
        let namespaces = lab.namespaces
        #expect(Set(try Self.listNamespaces()).isSuperset(of: namespaces))
        _ = try lab.probe(Self.allProbes(lab.podNames))
        let inodes = Set(namespaces.map(Self.namespaceInode))
        #expect(Self.openSockets(in: inodes) == lab.podNames.count * 10)   // the pods' servers
        lab.destroy()
        lab.destroy()   // idempotent
        #expect(Set(try Self.listNamespaces()).isDisjoint(with: namespaces))
        // Every lab socket is closed too: an open one would keep its namespace alive in the kernel.
        #expect(Self.openSockets(in: inodes) == 0)
        #expect(throws: LabError.self) { try lab.probe([]) }
    }

    @Test func deinitRemovesNamespacesToo() throws {
        var lab: Lab? = try Lab(pods: Self.pods)
        let namespaces = lab!.namespaces
        lab = nil
        #expect(Set(try Self.listNamespaces()).isDisjoint(with: namespaces))
    }

    /// A hostNetwork pod serves on its node's addresses, in the node's namespace, on the lab's ports.
    @Test func hostNetworkPodsServeOnTheirNodeAddresses() throws {
        let lab = try Lab(pods: Self.pods + [LabPodSpec(name: "h/n", node: 2, hostNetwork: true)], ports: [8080, 53])
        defer { lab.destroy() }
        #expect(lab.address(of: "h/n", family: .v4) == lab.nodeAddress(2, family: .v4))
        #expect(lab.address(of: "h/n", family: .v6) == lab.nodeAddress(2, family: .v6))
        #expect(lab.namespaces.count == 2 + Self.pods.count, "a hostNetwork pod has no namespace of its own")
        let probes = ["x/a", "y/a"].flatMap { from in
            ProbeProtocol.allCases.flatMap { proto in
                LabFamily.allCases.flatMap { family in
                    [8080, 53].map { Probe(from: from, to: "h/n", port: $0, proto: proto, family: family) }
                }
            }
        }
        let failed = Self.failures(probes, try lab.probe(probes))
        #expect(failed == [], "\(failed)")
        // Traffic to a node address ends in that node's input hook, from its own pods and from other nodes'.
        let load = try lab.run(inNode: 2, ["nft", "-f", "-"], stdin: "table inet t {\n chain i {\n type filter hook input priority 0;\n tcp dport 8080 drop\n }\n}\n")
        #expect(load.status == 0, "nft: \(load.stderr)")
        let tcp = ["x/a", "y/a"].map { Probe(from: $0, to: "h/n", port: 8080, proto: .tcp, family: .v4) }
        #expect(try lab.probe(tcp, timeout: .milliseconds(300)) == [false, false])
        #expect(throws: LabError.self) {
            try Lab(pods: [LabPodSpec(name: "h/a", node: 1, hostNetwork: true), LabPodSpec(name: "h/b", node: 1, hostNetwork: true)])
        }
    }

    @Test func unknownPodsAndBadTopologiesAreErrors() throws {
        #expect(throws: LabError.self) { try Lab(nodes: 2, pods: [LabPodSpec(name: "x/a", node: 3)]) }
        #expect(throws: LabError.self) { try Lab(pods: [LabPodSpec(name: "x/a", node: 1), LabPodSpec(name: "x/a", node: 2)]) }
        let lab = try Lab(pods: [LabPodSpec(name: "x/a", node: 1)])
        defer { lab.destroy() }
        #expect(throws: LabError.self) { try lab.probe([Probe(from: "x/a", to: "nobody", port: 80, proto: .tcp, family: .v4)]) }
    }

    /// Leftovers of a crashed run (creator pid gone) are removed; live labs are kept.
    @Test func removeStaleDeletesOnlyOrphans() throws {
        let orphan = "npl4194303-dead-n1"   // above any pid this machine hands out in practice
        let add = try RootSnapshot.lines("/usr/sbin/ip", ["netns", "add", orphan])
        #expect(add.isEmpty)
        let lab = try Lab(pods: [LabPodSpec(name: "x/a", node: 1)])
        defer { lab.destroy() }
        Lab.removeStale()
        let remaining = Set(try Self.listNamespaces())
        #expect(!remaining.contains(orphan))
        #expect(remaining.isSuperset(of: lab.namespaces))
    }

    @Test func missingPrivilegesReadClearly() {
        #expect(LabError.notPrivileged("uid 1000").description == "kernel tests need root or CAP_NET_ADMIN: uid 1000")
    }

    /// Upstream's conformance matrix: 9 pods (x, y, z × a, b, c) probing each other on
    /// ports 80 and 81 over TCP, UDP and SCTP, both families, in one round.
    @Test func upstreamSizedRoundTakesAboutOneTimeout() throws {
        let clock = ContinuousClock()
        let specs = ["x", "y", "z"].flatMap { ns in ["a", "b", "c"].enumerated().map { LabPodSpec(name: "\(ns)/\($1)", node: $0 % 2 + 1) } }
        var lab: Lab?
        let setup = try clock.measure { lab = try Lab(pods: specs) }
        defer { lab?.destroy() }
        var probes = [Probe]()
        for from in lab!.podNames {
            for to in lab!.podNames {
                for port: UInt16 in [80, 81] {
                    for proto in ProbeProtocol.allCases {
                        for family in LabFamily.allCases {
                            probes.append(Probe(from: from, to: to, port: port, proto: proto, family: family))
                        }
                    }
                }
            }
        }
        var results = [Bool]()
        let round = try clock.measure { results = try lab!.probe(probes) }
        // A probe to a closed port must fail fast and not slow the round down.
        let closed = [Probe(from: "x/a", to: "y/b", port: 82, proto: .tcp, family: .v4)]
        var closedResults = [Bool]()
        let closedRound = try clock.measure { closedResults = try lab!.probe(closed) }
        let teardown = clock.measure { lab!.destroy() }
        print("netnslab timings: 9-pod lab setup \(setup), \(probes.count) probes \(round), closed-port probe \(closedRound), teardown \(teardown)")
        #expect(Self.failures(probes, results) == [])
        #expect(closedResults == [false])
        #expect(round < .seconds(3))
    }

    static func namespaceInode(_ name: String) -> ino_t {
        var info = stat()
        return stat("/var/run/netns/" + name, &info) == 0 ? info.st_ino : 0
    }

    /// Open sockets of this process in the given namespaces (by inode): SIOCGSKNS
    /// opens a socket's namespace, whose inode identifies it.
    static func openSockets(in namespaces: Set<ino_t>) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.compactMap(Int32.init).filter { fd in
            let namespace = ioctl(fd, 0x894C)   // SIOCGSKNS; fails for anything but a socket
            guard namespace >= 0 else { return false }
            defer { close(namespace) }
            var info = stat()
            return fstat(namespace, &info) == 0 && namespaces.contains(info.st_ino)
        }.count
    }

    /// `ip netns list`, names only.
    static func listNamespaces() throws -> [String] {
        try RootSnapshot.lines("/usr/sbin/ip", ["netns", "list"]).compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}

/// What the root namespace looks like: links, routes and the nft ruleset.
struct RootSnapshot: Equatable {
    let links: [String]
    let routes: [String]
    let ruleset: [String]
    let sysctls: [String]

    init() throws {
        links = try Self.lines("/usr/sbin/ip", ["-o", "link", "show"]).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        routes = try Self.lines("/usr/sbin/ip", ["route", "show", "table", "all"]) + Self.lines("/usr/sbin/ip", ["-6", "route", "show", "table", "all"])
        ruleset = try Self.lines("/usr/sbin/nft", ["list", "ruleset"])
        sysctls = ["net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv6/conf/default/accept_dad",
                   "net/ipv6/conf/default/router_solicitations"].map { (try? String(contentsOfFile: "/proc/sys/" + $0, encoding: .utf8)) ?? "?" }
    }

    static func lines(_ tool: String, _ arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
