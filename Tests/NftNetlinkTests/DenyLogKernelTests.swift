import Foundation
import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing
import TestSupport

/// Deny logging in the kernel: a limit object shared by logging rules, the log statement to an nflog
/// group, read back through netlink, and the deny that happens whether the log is read or not.
@Suite struct DenyLogKernelTests {
    /// Drops UDP to port 9 on the output hook as the compiler writes a logged deny: log and drop while the
    /// limit lets it, else drop counting the suppressed packet; a last rule counts anything let through.
    private static func ruleset(rate: UInt64, burst: UInt32) -> Ruleset {
        let udp9 = [Match.l4Protocol(.udp), .destinationPort(9...9)]
        let output = Chain(name: "out", hook: BaseChainHook(hook: .output, priority: 0, policy: .accept), rules: [
            Rule(matches: udp9, namedCounter: "deny_x", log: LogStatement(group: 100, prefix: "deny_x", limit: "deny_log"),
                 action: .verdict(.drop)),
            Rule(matches: udp9, namedCounter: "suppressed", action: .verdict(.drop)),
            Rule(matches: udp9, namedCounter: "passed", action: .verdict(.accept)),
        ])
        return Ruleset(table: Table(family: .inet, name: "dl", counters: ["deny_x", "suppressed", "passed"].map { NamedCounter(name: $0) },
                                    limits: [NamedLimit(name: "deny_log", packetsPerSecond: rate, burst: burst, comment: "deny logs")],
                                    chains: [output]))
    }

    /// Sends `count` datagrams to the namespace's own port 9; every send fails, as the table drops them.
    private static func sendDenied(_ count: Int, in namespace: ScratchNamespace) throws {
        try run(["ip", "netns", "exec", namespace.name, "ip", "link", "set", "lo", "up"])
        try run(["ip", "netns", "exec", namespace.name, "bash", "-c",
                 "for i in $(seq \(count)); do echo x 2>/dev/null > /dev/udp/127.0.0.1/9; done; true"])
    }

    @Test func limitAndLogRoundTripThroughTheKernel() throws {
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "dl", netns: namespaces[0].name)
            let first = Self.ruleset(rate: 20, burst: 50)
            try programmer.apply(first)
            try expectSame(first, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
            // A new rate recreates the limit: the rule naming it is rewritten around that.
            let second = Self.ruleset(rate: 5, burst: 50)
            let report = try programmer.apply(second)
            #expect(report.kind == .delta)
            #expect(report.operations.contains(.deleteLimit("deny_log")) && report.operations.contains(.flushChain("out")))
            try namespaces[1].nft(["delete", "table", "inet", "dl"])
            try expectSame(second, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    @Test func loggedUpToTheLimitAndDeniedAlways() throws {
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0]
            let programmer = try KernelProgrammer(tableName: "dl", netns: namespace.name)
            try programmer.apply(Self.ruleset(rate: 1, burst: 5))
            let socket = try NflogSocket(group: 100, namespace: namespace.name)
            let started = ContinuousClock.now
            try Self.sendDenied(40, in: namespace)
            let elapsed = ContinuousClock.now - started
            let counters = try programmer.readCounters()
            #expect(counters["deny_x"]?.packets == 40)
            #expect(counters["passed"]?.packets == 0)
            let suppressed = try #require(counters["suppressed"]?.packets)
            // At most burst + rate·t (rounded up, and one for the bucket's first token) are logged.
            let allowedByRate = 5 + Int(elapsed.components.seconds) + 2
            #expect((40 - allowedByRate...39).contains(Int(suppressed)))
            // Exactly the packets the limit let through arrive, each naming its rule and packet.
            var packets: [LoggedPacket] = []
            #expect(try eventually(within: .seconds(2)) {
                if case .packets(let more) = try socket.next(waitingUpTo: 50) { packets += more }
                return packets.count >= 40 - Int(suppressed)
            })
            if case .packets(let more) = try socket.next(waitingUpTo: 100) { packets += more }
            #expect(packets.count == 40 - Int(suppressed))
            let loopback = IPAddress("127.0.0.1")!
            #expect(packets.allSatisfy {
                $0 == LoggedPacket(prefix: "deny_x", source: loopback, destination: loopback, protocolNumber: 17,
                                   sourcePort: $0.sourcePort, destinationPort: 9)
            })
        }
    }

    @Test func aFullOrUnreadGroupOnlyLosesLogLines() throws {
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0]
            let programmer = try KernelProgrammer(tableName: "dl", netns: namespace.name)
            try programmer.apply(Self.ruleset(rate: 10000, burst: 10000))
            // Nobody bound to the group: denied all the same.
            try Self.sendDenied(20, in: namespace)
            // A reader with the smallest buffer the kernel allows, not reading while 300 messages come.
            let socket = try NflogSocket(group: 100, namespace: namespace.name, receiveBuffer: 1)
            try Self.sendDenied(300, in: namespace)
            let counters = try programmer.readCounters()
            #expect(counters["deny_x"]?.packets == 320)
            #expect(counters["suppressed"]?.packets == 0)
            #expect(counters["passed"]?.packets == 0)
            var overflowed = false, received = 0
            reading: while true {
                switch try socket.next(waitingUpTo: 100) {
                case .overflow: overflowed = true
                case .packets(let packets) where packets.isEmpty: break reading
                case .packets(let packets): received += packets.count
                }
            }
            #expect(overflowed)
            #expect(received < 300)
            // One more, now that there is room: its number shows how many of the 300 never arrived.
            try Self.sendDenied(1, in: namespace)
            #expect(try eventually(within: .seconds(1)) {
                if case .packets(let packets) = try socket.next(waitingUpTo: 50) { received += packets.count }
                return received > 0 && socket.lost == UInt64(301 - received)
            }, "received \(received), lost \(socket.lost)")
        }
    }

    @Test func packetsAreReadFromTheirHeaders() {
        func parse(_ bytes: [UInt8]) -> LoggedPacket? {
            bytes.withUnsafeBytes { LoggedPacket(prefix: "p", payload: $0) }
        }
        // IPv4 with options (IHL 6), TCP 40000 → 443.
        var v4 = [UInt8](repeating: 0, count: 32)
        v4[0] = 0x46; v4[9] = 6
        v4[12...15] = [10, 0, 1, 1]; v4[16...19] = [10, 0, 2, 2]
        v4[24...27] = [0x9c, 0x40, 0x01, 0xbb]
        #expect(parse(v4) == LoggedPacket(prefix: "p", source: IPAddress("10.0.1.1")!, destination: IPAddress("10.0.2.2")!,
                                          protocolNumber: 6, sourcePort: 40000, destinationPort: 443))
        // A later fragment has no ports.
        var fragment = v4
        fragment[7] = 1
        #expect(parse(fragment)?.destinationPort == nil)
        // IPv6 UDP 53 → 5353.
        var v6 = [UInt8](repeating: 0, count: 48)
        v6[0] = 0x60; v6[6] = 17
        v6[8] = 0xfd; v6[23] = 1; v6[24] = 0xfd; v6[39] = 2
        v6[40...43] = [0, 53, 0x14, 0xe9]
        #expect(parse(v6) == LoggedPacket(prefix: "p", source: IPAddress("fd00::1")!, destination: IPAddress("fd00::2")!,
                                          protocolNumber: 17, sourcePort: 53, destinationPort: 5353))
        #expect(parse(Array(v6.prefix(39))) == nil)
        #expect(parse([0x50] + [UInt8](repeating: 0, count: 40)) == nil)
    }
}
