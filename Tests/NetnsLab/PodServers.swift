import Glibc

/// An SCTP packet a pod's raw receiver saw: who sent it, from and to which port.
struct SCTPSighting: Hashable, Sendable {
    let pod: Int
    let source: [UInt8]
    let sourcePort: UInt16
    let destinationPort: UInt16
}

/// The servers of every pod, in this process: TCP listeners and UDP echo sockets on
/// the lab's ports of both families, plus a raw SCTP receiver per family. Sockets are
/// created on a thread inside the pod's namespace and keep belonging to it; one
/// background thread serves them all with poll(). The prober may also call
/// `serviceAll()` so that results never wait for this thread to be scheduled.
final class PodServers: Sendable {
    enum Kind: Sendable { case tcpListener, udpEcho, sctpReceiver }

    struct Endpoint: Sendable {
        let fd: Int32
        let kind: Kind
        let pod: Int
        let family: LabFamily
    }

    private struct Records {
        var sctp: Set<SCTPSighting> = []
        var udpPayloads: Set<[UInt8]> = []
    }

    private let endpoints: [Endpoint]
    private let records = Locked(Records())
    private let wakeRead: Int32, wakeWrite: Int32
    private let thread = Locked<OSThread?>(nil)

    init(pods: [LabPlan.Pod], ports: [UInt16]) throws {
        var endpoints = [Endpoint]()
        do {
            for pod in pods {
                endpoints += try NetworkNamespace.run(in: pod.namespace) { try Self.openEndpoints(pod: pod, ports: ports) }
            }
        } catch {
            endpoints.forEach { close($0.fd) }
            throw error
        }
        let wake: (read: Int32, write: Int32)
        do { wake = try Command.makePipe() } catch {
            endpoints.forEach { close($0.fd) }
            throw error
        }
        self.endpoints = endpoints
        (wakeRead, wakeWrite) = wake
        let started = try OSThread { [self] in serve() }
        thread.withLock { $0 = started }
    }

    /// One pod's sockets; runs inside the pod's namespace.
    /// A hostNetwork pod binds its node's address, as upstream's centaurs do (`--udp-listen-addresses
    /// $(HOST_IP)`): an echo sent from a wildcard socket would leave with the source address of the
    /// link towards the client, which for the node's own pods is the gateway address, not the one probed.
    private static func openEndpoints(pod: LabPlan.Pod, ports: [UInt16]) throws -> [Endpoint] {
        var made = [Endpoint]()
        do {
            for family in LabFamily.allCases {
                let local = { (port: UInt16) in
                    pod.hostNetwork ? SocketAddress(pod.address(family), port: port, family: family)! : .any(family, port: port)
                }
                for port in ports {
                    let listener = try Socket.open(family, Socket.stream)
                    made.append(Endpoint(fd: listener, kind: .tcpListener, pod: pod.index, family: family))
                    try Socket.bind(listener, local(port))
                    guard listen(listener, 1024) == 0 else { throw LabError.system(call: "listen", errno: errno) }
                    let udp = try Socket.open(family, Socket.datagram)
                    made.append(Endpoint(fd: udp, kind: .udpEcho, pod: pod.index, family: family))
                    try Socket.bind(udp, local(port))
                }
                let raw = try Socket.open(family, Socket.raw, protocol: Socket.sctpProtocol)
                made.append(Endpoint(fd: raw, kind: .sctpReceiver, pod: pod.index, family: family))
            }
            return made
        } catch {
            made.forEach { close($0.fd) }
            throw error
        }
    }

    /// The raw SCTP socket of `pod`; probes send their INIT packets through it.
    func sctpSocket(pod: Int, family: LabFamily) -> Int32 {
        endpoints.first { $0.pod == pod && $0.family == family && $0.kind == .sctpReceiver }!.fd
    }

    func resetRecords() { records.withLock { $0 = Records() } }
    func saw(_ sighting: SCTPSighting) -> Bool { records.withLock { $0.sctp.contains(sighting) } }
    func sawUDP(payload: [UInt8]) -> Bool { records.withLock { $0.udpPayloads.contains(payload) } }

    /// Handles everything already queued on every socket, without blocking.
    func serviceAll() { endpoints.forEach(service) }

    /// Stops the thread and closes every socket, which releases the namespaces.
    func stop() {
        guard let running = thread.withLock({ t -> OSThread? in defer { t = nil }; return t }) else { return }
        _ = write(wakeWrite, [UInt8(1)], 1)
        running.join()
        endpoints.forEach { close($0.fd) }
        close(wakeRead)
        close(wakeWrite)
    }

    private func serve() {
        var pfds = (endpoints.map(\.fd) + [wakeRead]).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            if poll(&pfds, nfds_t(pfds.count), -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if pfds[pfds.count - 1].revents != 0 { return }
            for i in endpoints.indices where pfds[i].revents != 0 { service(endpoints[i]) }
        }
    }

    private func service(_ endpoint: Endpoint) {
        switch endpoint.kind {
        case .tcpListener:
            // The handshake already completed in the kernel; accepting only frees the
            // backlog. A plain close sends FIN, which never turns into a client error.
            while true {
                let connection = accept(endpoint.fd, nil, nil)
                guard connection >= 0 else { break }
                close(connection)
            }
        case .udpEcho:
            receiveAll(endpoint.fd) { bytes, from in
                records.withLock { _ = $0.udpPayloads.insert(bytes) }
                from.withSockaddr { _ = sendto(endpoint.fd, bytes, bytes.count, 0, $0, $1) }
            }
        case .sctpReceiver:
            receiveAll(endpoint.fd) { bytes, from in
                if let sighting = Self.sighting(bytes, from: from, pod: endpoint.pod) {
                    records.withLock { _ = $0.sctp.insert(sighting) }
                }
            }
        }
    }

    /// IPv4 raw sockets deliver the IP header too; IPv6 ones start at the SCTP header.
    private static func sighting(_ bytes: [UInt8], from: SocketAddress, pod: Int) -> SCTPSighting? {
        var offset = 0
        if from.family == .v4 {
            guard let first = bytes.first else { return nil }
            offset = Int(first & 0x0f) * 4
        }
        guard offset <= bytes.count, let ports = SCTPPacket.ports(bytes[offset...]) else { return nil }
        return SCTPSighting(pod: pod, source: from.addressBytes, sourcePort: ports.source, destinationPort: ports.destination)
    }

    private func receiveAll(_ fd: Int32, _ handle: ([UInt8], SocketAddress) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 4096)  // probes send tiny packets
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { buf in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &length) }
                }
            }
            guard n >= 0 else { return }
            guard let from = SocketAddress(storage: storage) else { continue }
            handle(Array(buffer[0..<n]), from)
        }
    }
}
