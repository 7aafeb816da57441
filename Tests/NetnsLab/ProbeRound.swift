import Glibc

/// One pass of probes, all in flight at once, so a round costs about one timeout.
/// Decisions are made from kernel state at the end, not from who got scheduled when:
/// the prober serves the pods itself while waiting, and re-checks everything once
/// more after the deadline.
final class ProbeRound {
    struct Target {
        let probe: Probe
        /// The source pod; nil for the external client.
        let source: LabPlan.Pod?
        let sourceNamespace: String
        let destination: LabPlan.Pod
        /// Where the probe is sent, as its route says: the pod, its ClusterIP, or a node's NodePort.
        let address: String
        let port: UInt16

        init(probe: Probe, plan: LabPlan) throws {
            self.probe = probe
            destination = try plan.pod(named: probe.to)
            if probe.from == LabPlan.Client.name {
                guard let client = plan.client else { throw LabError.invalidTopology("\(probe): the external client exists only in labs with Services") }
                source = nil
                sourceNamespace = client.namespace
            } else {
                let pod = try plan.pod(named: probe.from)
                source = pod
                sourceNamespace = pod.namespace
            }
            guard probe.proto != .sctp || source != nil else { throw LabError.invalidTopology("\(probe): SCTP probes start from a pod") }
            guard probe.route == .podIP || plan.client != nil else { throw LabError.invalidTopology("\(probe): Service routes need a lab with Services") }
            switch probe.route {
            case .podIP:
                address = destination.address(probe.family)
                port = probe.port
            case .clusterIP:
                address = destination.clusterIP(probe.family)
                port = probe.port
            case .nodePort(let node, let policy):
                guard probe.port == 80, probe.proto != .sctp, plan.nodes.indices.contains(node - 1) else {
                    throw LabError.invalidTopology("\(probe): NodePorts lead to port 80 over TCP or UDP, on nodes 1...\(plan.nodes.count)")
                }
                let host = plan.node(node)
                address = probe.family == .v4 ? host.ipv4 : host.ipv6
                port = destination.nodePort(policy)
            }
        }
    }

    private enum Outcome { case pending, passed, failed }

    private let targets: [Target]
    private let servers: PodServers
    private let ports: PortAllocator
    private var outcomes: [Outcome]
    private var sockets: [Int32?]              // TCP/UDP client socket per probe
    private var payloads: [[UInt8]]            // UDP: the unique datagram expected back
    private var sightings: [SCTPSighting?]     // SCTP: what the destination must record
    private let clock = ContinuousClock()

    /// After the deadline, how long to wait for UDP echoes the server already sent.
    private static let echoGrace = Duration.milliseconds(500)
    private static let pollSlice = Duration.milliseconds(20)

    init(targets: [Target], servers: PodServers, ports: PortAllocator) {
        self.targets = targets
        self.servers = servers
        self.ports = ports
        outcomes = Array(repeating: .pending, count: targets.count)
        sockets = Array(repeating: nil, count: targets.count)
        payloads = Array(repeating: [], count: targets.count)
        sightings = Array(repeating: nil, count: targets.count)
    }

    deinit {
        for (i, fd) in sockets.enumerated() {
            guard let fd else { continue }
            if targets[i].probe.proto == .tcp { Socket.abort(fd) } else { close(fd) }
        }
    }

    func run(timeout: Duration) throws -> [Bool] {
        servers.resetRecords()
        try openSockets()
        for i in targets.indices { launch(i) }
        // The clock starts once everything is sent, so the last probe gets the full timeout too.
        let deadline = clock.now.advanced(by: timeout)
        while hasPending, clock.now < deadline {
            collect(waitingUpTo: min(Self.pollSlice, deadline - clock.now))
        }
        collect(waitingUpTo: .zero)
        let graceEnd = clock.now.advanced(by: Self.echoGrace)
        while hasEchoInFlight, clock.now < graceEnd {
            collect(waitingUpTo: Self.pollSlice)
        }
        return outcomes.map { $0 == .passed }
    }

    private var hasPending: Bool { outcomes.contains(.pending) }

    private var hasEchoInFlight: Bool {
        targets.indices.contains { outcomes[$0] == .pending && targets[$0].probe.proto == .udp && servers.sawUDP(payload: payloads[$0]) }
    }

    // MARK: - Starting

    /// Client sockets must be created inside the source pod's namespace: one thread per source pod.
    private func openSockets() throws {
        let bySource = Dictionary(grouping: targets.indices.filter { targets[$0].probe.proto != .sctp }) { targets[$0].sourceNamespace }
        for (_, indices) in bySource {
            let kinds = indices.map { (targets[$0].probe.family, targets[$0].probe.proto == .tcp ? Socket.stream : Socket.datagram) }
            let fds = try NetworkNamespace.run(in: targets[indices[0]].sourceNamespace) {
                var made = [Int32]()
                do {
                    for (family, type) in kinds { made.append(try Socket.open(family, type)) }
                } catch {
                    made.forEach { close($0) }
                    throw error
                }
                return made
            }
            for (i, fd) in zip(indices, fds) { sockets[i] = fd }
        }
    }

    private func launch(_ i: Int) {
        let target = targets[i]
        let family = target.probe.family
        guard let destination = SocketAddress(target.address, port: target.port, family: family) else {
            outcomes[i] = .failed
            return
        }
        switch target.probe.proto {
        case .tcp:
            switch Socket.startConnect(sockets[i]!, destination) {
            case 0: outcomes[i] = .passed
            case EINPROGRESS: break
            default: outcomes[i] = .failed
            }
        case .udp:
            let fd = sockets[i]!
            payloads[i] = Array("netnslab probe \(i) \(UInt64.random(in: 0...UInt64.max))".utf8)
            guard bindUnusedPort(fd, family), Socket.startConnect(fd, destination) == 0,
                  send(fd, payloads[i], payloads[i].count, 0) == payloads[i].count else {
                outcomes[i] = .failed
                return
            }
        case .sctp:
            guard let sourcePod = target.source else { preconditionFailure("Target.init admits SCTP from pods only") }
            let sourcePort = ports.take()
            let packet = SCTPPacket.initPacket(sourcePort: sourcePort, destinationPort: target.probe.port, initiateTag: .random(in: 1...UInt32.max))
            let rawDestination = SocketAddress(target.address, port: 0, family: family)!
            let sent = rawDestination.withSockaddr { sendto(servers.sctpSocket(pod: sourcePod.index, family: family), packet, packet.count, 0, $0, $1) }
            guard sent == packet.count else {
                outcomes[i] = .failed
                return
            }
            let source = SocketAddress(sourcePod.address(family), port: 0, family: family)!
            sightings[i] = SCTPSighting(pod: target.destination.index, source: source.addressBytes, sourcePort: sourcePort, destinationPort: target.probe.port)
        }
    }

    /// UDP source ports come from the allocator (see PortAllocator); skip any in use.
    private func bindUnusedPort(_ fd: Int32, _ family: LabFamily) -> Bool {
        for _ in 0..<16 {
            do {
                try Socket.bind(fd, .any(family, port: ports.take()))
                return true
            } catch {}
        }
        return false
    }

    // MARK: - Collecting

    /// Serves the pods, then records every probe whose fate the kernel already knows.
    private func collect(waitingUpTo wait: Duration) {
        let watched = targets.indices.filter { outcomes[$0] == .pending && sockets[$0] != nil }
        var pfds = watched.map { i in
            pollfd(fd: sockets[i]!, events: Int16(targets[i].probe.proto == .tcp ? POLLOUT : POLLIN), revents: 0)
        }
        let milliseconds = Int32(clamping: max(0, wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000))
        if poll(&pfds, nfds_t(pfds.count), watched.isEmpty ? 0 : milliseconds) < 0 && errno != EINTR { return }
        if watched.isEmpty && milliseconds > 0 { usleep(useconds_t(milliseconds) * 1000) }
        servers.serviceAll()
        for i in watched {
            switch targets[i].probe.proto {
            case .tcp: checkTCP(i)
            case .udp: checkUDP(i)
            case .sctp: break
            }
        }
        for i in targets.indices where outcomes[i] == .pending {
            if let sighting = sightings[i], servers.saw(sighting) { outcomes[i] = .passed }
        }
    }

    /// Established means passed; a reset or ICMP error means failed; else still pending.
    private func checkTCP(_ i: Int) {
        var pfd = pollfd(fd: sockets[i]!, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, 0) > 0 else { return }
        let error = Socket.pendingError(sockets[i]!)
        if error != 0 {
            outcomes[i] = .failed
        } else if pfd.revents & Int16(POLLOUT) != 0 {
            outcomes[i] = .passed
        } else if pfd.revents & Int16(POLLHUP | POLLERR) != 0 {
            outcomes[i] = .failed
        }
    }

    /// Passed once our own payload comes back; an ICMP error (ECONNREFUSED, …) fails it.
    private func checkUDP(_ i: Int) {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = recv(sockets[i]!, &buffer, buffer.count, 0)
            if n < 0 {
                if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { outcomes[i] = .failed }
                return
            }
            if Array(buffer[0..<n]) == payloads[i] {
                outcomes[i] = .passed
                return
            }
        }
    }
}
