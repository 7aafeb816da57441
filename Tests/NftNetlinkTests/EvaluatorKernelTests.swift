import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing
import TestSupport

/// `RulesetEvaluator` against the kernel: random rulesets, their base chains moved to the output hook of
/// a scratch namespace, judge packets between its own loopback addresses; every packet the evaluator
/// accepts the kernel lets out, and every other it refuses.
@Suite struct EvaluatorKernelTests {
    @Test func randomRulesetsJudgePacketsAsTheKernel() throws {
        var verdicts: [PacketVerdict: Int] = [:]
        for seed in UInt64(0)..<16 { try judge(seed: seed, counting: &verdicts) }
        // Both outcomes are exercised, or agreement would prove little.
        #expect(verdicts[.accept, default: 0] > 100 && verdicts[.drop, default: 0] + verdicts[.reject, default: 0] > 100, "\(verdicts)")
    }

    private func judge(seed: UInt64, counting verdicts: inout [PacketVerdict: Int]) throws {
        var generator = RandomRuleset(seed: seed)
        var ruleset = generator.ruleset()
        for index in ruleset.table.chains.indices where ruleset.table.chains[index].hook != nil {
            ruleset.table.chains[index].hook!.hook = .output
        }
        var random = SeededRandom(seed: seed)
        let pools = AddressPools(ruleset, random: &random)
        let evaluator = RulesetEvaluator(ruleset)
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0]
            try run(["ip", "-n", namespace.name, "link", "set", "lo", "up"])
            for address in pools.v4 { try run(["ip", "-n", namespace.name, "addr", "add", "\(address)/32", "dev", "lo"]) }
            for address in pools.v6 { try run(["ip", "-n", namespace.name, "addr", "add", "\(address)/128", "dev", "lo", "nodad"]) }
            try KernelProgrammer(tableName: ruleset.table.name, netns: namespace.name).apply(ruleset)
            let probe = ProbePacket(namespace: namespace.name)
            for index in 0..<48 {
                let pool = random.bool() ? pools.v4 : pools.v6
                let (source, destination) = (random.pick(pool), random.pick(pool))
                let proto: L4Protocol = random.bool() ? .tcp : .udp
                let port = random.pick(pools.ports)
                let expected = evaluator.verdict(for: Packet(source: source, destination: destination, l4Protocol: proto.number,
                                                             destinationPort: port), hook: .output)
                verdicts[expected, default: 0] += 1
                let passed = try probe.passes(from: source, to: destination, l4Protocol: proto, sourcePort: UInt16(20000 + index),
                                              destinationPort: port)
                #expect(passed == (expected == .accept),
                        "seed \(seed): \(proto) \(source) → \(destination):\(port): evaluator \(expected), kernel \(passed ? "passed" : "refused")")
            }
        }
    }
}

/// Addresses and ports a random ruleset names (so packets hit its sets and ranges), plus a few others.
private struct AddressPools {
    var v4: [IPAddress] = [], v6: [IPAddress] = [], ports: [UInt16] = []

    init(_ ruleset: Ruleset, random: inout SeededRandom) {
        var v4 = Set<IPAddress>(), v6 = Set<IPAddress>(), ports = Set<UInt16>([80, 443])
        for set in ruleset.table.sets.sorted(by: { $0.name < $1.name }) {
            for part in set.elements.sorted().flatMap(\.key) {
                switch part {
                case .address(let range):
                    for address in [range.lower, range.upper] where !Self.special(address) {
                        if address.family == .v4 { v4.insert(address) } else { v6.insert(address) }
                    }
                case .ports(let range): ports.formUnion([range.lowerBound, range.upperBound])
                case .l4Protocol: break
                }
            }
        }
        for chain in ruleset.table.chains {
            for case .destinationPort(let range) in chain.rules.flatMap(\.matches) { ports.formUnion([range.lowerBound, range.upperBound]) }
        }
        self.v4 = Array(v4.sorted().shuffled(using: &random).prefix(8)) + [.v4(0x0a00_0001)]
        self.v6 = Array(v6.sorted().shuffled(using: &random).prefix(8)) + [.v6(UInt128(0xfd00) << 112 | 1)]
        self.ports = ports.sorted()
    }

    /// Only addresses a loopback can hold and route as local: no 0/8, 127/8, multicast or broadcast;
    /// for IPv6 only global (2000::/3) and unique local (fc00::/7) addresses.
    private static func special(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let value): return value >> 24 == 0 || value >> 24 == 127 || value >> 28 >= 0xe
        case .v6(let value): return !(value >> 125 == 1 || value >> 121 == 0x7e)
        }
    }
}
