import HashTreeCollections
import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing

/// Encodings checked against what nft 1.0.6 sends (`nft --debug=netlink`, `--debug=mnl`), without a kernel.
@Suite struct WireEncodingTests {
    private func address(_ text: String) -> KeyPart {
        text.contains("/") ? .address(CIDR(text)!.range) : .address(IPAddress(text)!)
    }

    private func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { $0 != " " })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    /// `{ 10.0.0.0/8, 172.16.1.1, 192.168.0.0/16 }` as range boundaries, with nft's leading end at 0.
    @Test func intervalSetBoundaries() throws {
        let set = NamedSet(name: "s", keyType: [.ipv4Address], isInterval: true,
                           elements: ["192.168.0.0/16", "10.0.0.0/8", "172.16.1.1"].map { SetElement(key: [address($0)]) })
        let wire = ElementEncoding.encode(set, adding: true)
        #expect(wire.map(\.key) == ["00000000", "0a000000", "0b000000", "ac100101", "ac100102", "c0a80000", "c0a90000"].map(bytes))
        #expect(wire.map(\.isIntervalEnd) == [true, false, true, false, true, false, true])
        #expect(try ElementEncoding.decode(wire, of: set).sorted() == set.elements.sorted())
        // Deletions name the ranges only.
        #expect(ElementEncoding.encode(set, adding: false).count == 6)
    }

    /// A range to the top has no end element; nft marks its start open. One starting at 0 needs no leading end.
    @Test func openAndZeroBasedRanges() throws {
        let top = AddressRange(lower: IPAddress("192.169.0.0")!, upper: IPAddress("255.255.255.255")!)
        let set = NamedSet(name: "s", keyType: [.ipv4Address], isInterval: true,
                           elements: [SetElement(key: [address("0.0.0.0/5")]), SetElement(key: [.address(top)])])
        let wire = ElementEncoding.encode(set, adding: true)
        #expect(wire.map(\.key) == ["00000000", "08000000", "c0a90000"].map(bytes))
        #expect(wire.map(\.isIntervalEnd) == [false, true, false])
        #expect(wire.map(\.isOpenInterval) == [false, false, true])
        #expect(TreeSet(try ElementEncoding.decode(wire, of: set)) == set.elements)
    }

    /// Concatenations pad each field to 4 bytes; nft packs type ids 6 bits per field.
    @Test func concatenatedKeys() throws {
        let layout = KeyLayout([.ipv4Address, .inetProtocol, .inetService])
        #expect(layout.key([address("10.0.0.1"), .l4Protocol(.tcp), .port(80)], high: false) == bytes("0a000001 06000000 00500000"))
        #expect(layout.keyLength == 12)
        #expect(layout.typeID == 0x730d)
        #expect(KeyLayout([.ipv4Address, .inetService]).typeID == 0x1cd)
        #expect(KeyLayout([.ipv6Address, .inetService]).keyLength == 20)
        #expect(KeyLayout.decode(typeID: 0x730d) == [.ipv4Address, .inetProtocol, .inetService])
        #expect(KeyLayout([.inetService]).keyLength == 2)
    }

    /// Concatenated intervals carry the start and the inclusive end of every field.
    @Test func concatenatedIntervals() throws {
        let set = NamedSet(name: "s", keyType: [.ipv4Address, .inetService], isInterval: true,
                           elements: [SetElement(key: [address("10.0.0.0/8"), .ports(80...90)])])
        let wire = ElementEncoding.encode(set, adding: true)
        #expect(wire.map(\.key) == [bytes("0a000000 00500000")])
        #expect(wire.map(\.keyEnd) == [bytes("0affffff 005a0000")])
        #expect(TreeSet(try ElementEncoding.decode(wire, of: set)) == set.elements)
    }

    @Test func elementDeletionsCarryNoVerdict() {
        let map = NamedSet(name: "m", keyType: [.ipv4Address], isVerdictMap: true,
                           elements: [SetElement(key: [address("10.0.0.1")], verdict: .jump("c"))])
        #expect(ElementEncoding.encode(map, adding: true)[0].verdict == .jump("c"))
        #expect(ElementEncoding.encode(map, adding: false)[0].verdict == nil)
    }

    /// Set attributes and user data byte for byte as nft sends them.
    @Test func setDeclarations() {
        let map = SetAttributes(NamedSet(name: "m4", keyType: [.ipv4Address], isVerdictMap: true, comment: "map comment"))
        #expect(map.flags == 0x8 && map.keyType == 7 && map.keyLength == 4 && map.isVerdictMap && map.concatFieldLengths == nil)
        #expect(map.userData.bytes == bytes("00 04 02000000 01 04 00000000 06 04 00000000 07 0c") + Array("map comment".utf8) + [0])

        let ports = SetAttributes(NamedSet(name: "pp", keyType: [.inetProtocol, .inetService], isInterval: true))
        #expect(ports.flags == 0x84 && ports.keyType == 0x30d && ports.keyLength == 8 && ports.concatFieldLengths == [1, 2])
        #expect(ports.userData.bytes == bytes("00 04 00000000 03 08 00 04 0d000000 01 00"))

        let protocols = SetAttributes(NamedSet(name: "p", keyType: [.inetProtocol]))
        #expect(protocols.userData.bytes == bytes("00 04 00000000"))
    }

    @Test func registerNumbering() {
        #expect([0, 1, 2, 3, 4, 5, 8].map(Register.forSlot) == [1, 9, 10, 11, 2, 13, 3])
    }

    /// The reference's `ip saddr . meta l4proto . th dport @pp accept`, and its IPv6 and interval variants.
    @Test func concatenatedLookups() {
        let plain = RuleLinearizer { _ in false }, interval = RuleLinearizer { _ in true }
        let v4 = Rule(matches: [.inSet(fields: [.sourceAddress(.v4), .l4Protocol, .destinationPort], set: "pp")], action: .verdict(.accept))
        #expect(plain.expressions(v4) == [
            .meta(.nfproto, dreg: 1), .cmp(.eq, sreg: 1, data: [2]),
            .payload(.network, offset: 12, length: 4, dreg: 1), .meta(.l4proto, dreg: 9),
            .payload(.transport, offset: 2, length: 2, dreg: 10), .lookup(set: "pp", sreg: 1, isVerdictMap: false),
            .verdict(.accept),
        ])
        #expect(interval.expressions(v4)[4] == .hostToNetwork(sreg: 9, dreg: 9, length: 1, size: 2))
        let v6 = Rule(action: .verdictMap(fields: [.destinationAddress(.v6), .destinationPort], map: "m"))
        #expect(plain.expressions(v6) == [
            .meta(.nfproto, dreg: 1), .cmp(.eq, sreg: 1, data: [10]),
            .payload(.network, offset: 24, length: 16, dreg: 1), .payload(.transport, offset: 2, length: 2, dreg: 2),
            .lookup(set: "m", sreg: 1, isVerdictMap: true),
        ])
    }

    /// `ct state established,related meta l4proto tcp th dport 9100-9110 counter reject`: one family
    /// check per rule, port ranges as two comparisons.
    @Test func matchesAndStatements() {
        let rule = Rule(matches: [.conntrackState([.related, .established]), .inSet(fields: [.sourceAddress(.v4)], set: "a"),
                                  .l4Protocol(.tcp), .inSet(fields: [.destinationAddress(.v4), .destinationPort], set: "b"),
                                  .destinationPort(9100...9110)],
                        counter: true, action: .reject)
        #expect(RuleLinearizer { _ in false }.expressions(rule) == [
            .conntrackState(dreg: 1), .bitwise(sreg: 1, dreg: 1, mask: [6, 0, 0, 0], xor: [0, 0, 0, 0]), .cmp(.neq, sreg: 1, data: [0, 0, 0, 0]),
            .meta(.nfproto, dreg: 1), .cmp(.eq, sreg: 1, data: [2]), .payload(.network, offset: 12, length: 4, dreg: 1),
            .lookup(set: "a", sreg: 1, isVerdictMap: false),
            .meta(.l4proto, dreg: 1), .cmp(.eq, sreg: 1, data: [6]),
            .payload(.network, offset: 16, length: 4, dreg: 1), .payload(.transport, offset: 2, length: 2, dreg: 9),
            .lookup(set: "b", sreg: 1, isVerdictMap: false),
            .payload(.transport, offset: 2, length: 2, dreg: 1), .cmp(.gte, sreg: 1, data: [0x23, 0x8c]), .cmp(.lte, sreg: 1, data: [0x23, 0x96]),
            .counter, .rejectAdminProhibited,
        ])
    }

    /// `icmpv6 type 133-137 accept`, the forward hook's neighbour discovery rule, exactly as
    /// `nft --debug=netlink` shows nft 1.0.6 emitting it in an inet table; and read back to the same rule.
    @Test func icmpv6TypeRange() throws {
        let linearizer = RuleLinearizer { _ in false }
        let rule = Rule(matches: [.icmpv6Type(ICMPv6.neighbourDiscovery)], action: .verdict(.accept))
        let expressions = linearizer.expressions(rule)
        #expect(expressions == [
            .meta(.nfproto, dreg: 1), .cmp(.eq, sreg: 1, data: [10]),
            .meta(.l4proto, dreg: 1), .cmp(.eq, sreg: 1, data: [58]),
            .payload(.transport, offset: 0, length: 1, dreg: 1), .cmp(.gte, sreg: 1, data: [133]), .cmp(.lte, sreg: 1, data: [137]),
            .verdict(.accept),
        ])
        #expect(try RuleDelinearizer(linearizer: linearizer).rule(expressions, comment: nil) == rule)
        let single = Rule(matches: [.icmpv6Type(135...135)], action: .verdict(.drop))
        #expect(try RuleDelinearizer(linearizer: linearizer).rule(linearizer.expressions(single), comment: nil) == single)
    }

    /// `counter counter name "k" drop`: the rule's own counter, then the counter object (an objref), then
    /// the verdict, as nft emits them.
    @Test func counterStatements() throws {
        let linearizer = RuleLinearizer { _ in false }
        let rule = Rule(counter: true, namedCounter: "k", action: .verdict(.drop))
        #expect(linearizer.expressions(rule) == [.counter, .counterReference("k"), .verdict(.drop)])
        let delinearizer = RuleDelinearizer(linearizer: linearizer)
        #expect(try delinearizer.rule(linearizer.expressions(rule), comment: nil) == rule)
        // One counter object per rule: a second reference is not something this agent writes.
        #expect(throws: WireDecodingError.self) {
            try delinearizer.rule([.counterReference("a"), .counterReference("b"), .verdict(.drop)], comment: nil)
        }
    }

    /// Decoding gives back every rule of random rulesets, and refuses expressions it would not write.
    @Test(arguments: 0..<8)
    func rulesRoundTrip(seed: UInt64) throws {
        var generator = RandomRuleset(seed: seed)
        let table = generator.ruleset().table
        let linearizer = RuleLinearizer { name in table.sets.contains { $0.name == name && $0.isInterval && $0.keyType.count > 1 } }
        let delinearizer = RuleDelinearizer(linearizer: linearizer)
        for rule in table.chains.flatMap(\.rules) {
            #expect(try delinearizer.rule(linearizer.expressions(rule), comment: rule.comment) == rule)
        }
        let foreign: [Expression] = [.payload(.network, offset: 12, length: 4, dreg: 1), .cmp(.eq, sreg: 1, data: [192, 0, 2, 1]), .verdict(.accept)]
        #expect(throws: WireDecodingError.self) { try delinearizer.rule(foreign, comment: nil) }
    }
}
