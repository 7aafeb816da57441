import CNftables
import Glibc
@testable import NftNetlink
import Ruleset
import Testing

/// Notifications without a kernel: crafted messages, in the kernel's layout (nlmsghdr, nfgenmsg,
/// attributes), through the parser, the ledger and a socketpair standing in for the kernel.
@Suite struct NotificationLedgerTests {
    static let table = TableIdentity(name: "t")
    static let own: UInt32 = 1000, foreign: UInt32 = 2000

    @Test func foreignTouchIsRecordedAtItsNEWGEN() {
        var ledger = GenerationLedger(table: Self.table, ownPortID: Self.own)
        ledger.record(Self.event(Crafted.object(NFT_MSG_NEWRULE, family: 1, table: "t", name: (2, "forward_hook"), portID: Self.foreign)))
        #expect(ledger.foreign.isEmpty, "object messages wait for their commit's NEWGEN")
        ledger.record(Self.event(Crafted.generation(7, portID: Self.foreign, pid: 42, command: "nft")))
        #expect(ledger.foreign == [ForeignChange(stamp: CommitStamp(generation: 7, portID: Self.foreign, pid: 42, command: "nft"),
                                                 touches: [TableTouch(kind: .rule, removed: false, name: "forward_hook")])])
        #expect(ledger.lastSeen == 7 && ledger.tainted == nil)
        ledger.accounted(through: 7)
        #expect(ledger.foreign.isEmpty && ledger.accountedThrough == 7)
    }

    @Test func otherTablesAndOwnCommitsLeaveNothing() {
        var ledger = GenerationLedger(table: Self.table, ownPortID: Self.own)
        // The agent's name in the ip family, another inet table, and the agent's own messages.
        ledger.record(Self.event(Crafted.object(NFT_MSG_NEWCHAIN, family: 2, table: "t", name: (3, "c"), portID: Self.foreign)))
        ledger.record(Self.event(Crafted.object(NFT_MSG_NEWCHAIN, family: 1, table: "kube-proxy", name: (3, "c"), portID: Self.foreign)))
        ledger.record(Self.event(Crafted.generation(1, portID: Self.foreign, pid: 1, command: "kube-proxy")))
        ledger.record(Self.event(Crafted.object(NFT_MSG_NEWSETELEM, family: 1, table: "t", name: (2, "pods"), portID: Self.own)))
        ledger.record(Self.event(Crafted.generation(2, portID: Self.own, pid: 1, command: "agent")))
        #expect(ledger.foreign.isEmpty && ledger.tainted == nil && ledger.lastSeen == 2)
    }

    @Test func generationJumpTaintsUntilARead() {
        var ledger = GenerationLedger(table: Self.table, ownPortID: Self.own)
        ledger.record(Self.event(Crafted.generation(UInt32.max, portID: Self.own, pid: 1, command: "agent")))
        ledger.record(Self.event(Crafted.generation(1, portID: Self.own, pid: 1, command: "agent")))
        #expect(ledger.tainted == nil, "the kernel skips generation 0")
        ledger.record(Self.event(Crafted.generation(3, portID: Self.foreign, pid: 1, command: "nft")))
        #expect(ledger.tainted?.contains("1 was followed by 3") == true)
        let losses = ledger.losses
        ledger.accountRead(through: 3, lossesBefore: losses)
        #expect(ledger.tainted == nil)
        // A read that a loss overlapped leaves the taint.
        ledger.lost("notifications lost (ENOBUFS)")
        ledger.accountRead(through: 4, lossesBefore: losses)
        #expect(ledger.tainted != nil)
    }

    /// The listener reads datagrams of several messages, and an overflow taints it.
    @Test func listenerDrainsASocket() throws {
        var ends: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &ends) == 0)
        defer { close(ends[1]) }
        let listener = NftEventListener(descriptor: ends[0], table: Self.table, ownPortID: Self.own)
        let datagram = Crafted.object(NFT_MSG_DELSETELEM, family: 1, table: "t", name: (2, "ingress_v4"), portID: Self.foreign)
            + Crafted.object(NFT_MSG_NEWOBJ, family: 1, table: "t", name: (2, "x"), portID: Self.foreign, extra: [(3, Crafted.u32(1))])
        #expect(send(ends[1], datagram, datagram.count, 0) == datagram.count)
        let generation = Crafted.generation(9, portID: Self.foreign, pid: 5, command: "iptables-nft")
        #expect(send(ends[1], generation, generation.count, 0) == generation.count)
        let ledger = listener.drain()
        #expect(ledger.foreign.first?.touches == [TableTouch(kind: .elements, removed: true, name: "ingress_v4"),
                                                  TableTouch(kind: .counter, removed: false, name: "x")])
        #expect(ledger.foreign.first?.description == "iptables-nft[5] gen 9: del elements ingress_v4, new counter x")
    }

    @Test func targetedRepairRewritesTouchedChainsAndDropsForeignObjects() throws {
        let hook = Chain(name: "forward_hook", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept),
                         rules: [Rule(namedCounter: "c", action: .verdict(.accept))])
        let map = NamedSet(name: "pods", keyType: [.ipv4Address], elements: [SetElement(key: [.address(.v4(0x0a00_0001))])])
        let ruleset = Ruleset(table: Table(family: .inet, name: "t", sets: [map], counters: [NamedCounter(name: "c")], chains: [hook]))
        let stamp = CommitStamp(generation: 3, portID: Self.foreign, pid: 1, command: "nft")
        let touches = [TableTouch(kind: .rule, removed: false, name: "forward_hook"), TableTouch(kind: .chain, removed: false, name: "intruder"),
                       TableTouch(kind: .elements, removed: false, name: "pods"), TableTouch(kind: .counter, removed: false, name: "stray")]
        let repair = try TargetedRepair.make(last: ruleset, desired: ruleset, undoing: [ForeignChange(stamp: stamp, touches: touches)]).get()
        let operations = repair.flushes + RulesetDiff.operations(from: repair.kernelView, to: ruleset)
        #expect(operations == [.flushSet("pods"), .flushChain("intruder"), .flushChain("forward_hook"), .deleteCounter("stray"),
                               .deleteChain("intruder"), .addElements(map), .addRule(chain: "forward_hook", hook.rules[0])])
        // The agent's own counter is never deleted: it keeps counting.
        #expect(!operations.contains(.deleteCounter("c")))
        for structural in [TableTouch(kind: .chain, removed: true, name: "forward_hook"), TableTouch(kind: .table, removed: false, name: "t"),
                           TableTouch(kind: .set, removed: false, name: "pods"), TableTouch(kind: .object, removed: false, name: "quota")] {
            let result = TargetedRepair.make(last: ruleset, desired: ruleset, undoing: [ForeignChange(stamp: stamp, touches: [structural])])
            #expect((try? result.get()) == nil, "\(structural) calls for a read-back")
        }
    }

    private static func event(_ bytes: [UInt8]) -> NftEvent {
        bytes.withUnsafeBytes { raw in
            var event: NftEvent?
            NetlinkMessage.forEach(in: raw) { event = NftEvent($0) }
            return event!
        }
    }
}

/// nf_tables notification messages as the kernel lays them out.
enum Crafted {
    static func generation(_ generation: UInt32, portID: UInt32, pid: UInt32, command: String) -> [UInt8] {
        message(NFT_MSG_NEWGEN, family: 0, portID: portID,
                attributes: [(1, u32(generation)), (2, u32(pid)), (3, Array(command.utf8) + [0])])
    }

    static func object(_ type: nf_tables_msg_types, family: UInt8, table: String, name: (UInt16, String), portID: UInt32,
                       extra: [(UInt16, [UInt8])] = []) -> [UInt8] {
        message(type, family: family, portID: portID, attributes: [(1, Array(table.utf8) + [0]), (name.0, Array(name.1.utf8) + [0])] + extra)
    }

    static func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    private static func message(_ type: nf_tables_msg_types, family: UInt8, portID: UInt32, attributes: [(UInt16, [UInt8])]) -> [UInt8] {
        var body: [UInt8] = [family, 0, 0, 0]
        for (kind, value) in attributes {
            body += withUnsafeBytes(of: UInt16(4 + value.count)) { Array($0) } + withUnsafeBytes(of: kind) { Array($0) } + value
            body += [UInt8](repeating: 0, count: Netlink.align(value.count) - value.count)
        }
        var header = nlmsghdr(nlmsg_len: UInt32(16 + body.count), nlmsg_type: Netlink.messageType(type.rawValue), nlmsg_flags: 0,
                              nlmsg_seq: 0, nlmsg_pid: portID)
        return withUnsafeBytes(of: &header) { Array($0) } + body
    }
}
