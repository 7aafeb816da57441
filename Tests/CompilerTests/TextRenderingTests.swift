import IPAddressing
import Ruleset
import Testing
import TestSupport

/// The renderer writes set elements byte by byte, not through `description` and interpolation: every
/// element must read exactly as those wrote it (`nft -f` input and `--dry-run` output stay the same).
@Suite("nft text: set elements as descriptions write them")
struct TextRenderingTests {
    @Test("addresses, CIDRs, ranges, protocols, ports and verdicts match their descriptions", arguments: 0..<4)
    func elementsMatchDescriptions(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for _ in 0..<5_000 {
            let element = Self.element(&random)
            #expect(NftTextRenderer.render(element) == Self.described(element), "\(element)")
        }
    }

    @Test("IPv6 zero runs: the first longest run of two or more groups is compressed", arguments: [
        "::", "::1", "1::", "1:0:0:1::1", "1::2:0:0:3:4", "0:1:0:1:0:1:0:1", "1:2:3:4:5:6:7:8", "fd00::a:0:0:1",
        "0:0:1::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:0:a00:1", "1:0:2:3:4:5:6:7",
    ])
    func ipv6ZeroRuns(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(NftTextRenderer.render(SetElement(key: [.address(address)])) == address.description)
        #expect(address.description == text)
    }

    /// Keys that start with an address sort by it first, others by the whole key: both in `SetElement` order.
    @Test("a set lists its elements in sorted order, whatever their keys")
    func elementOrder() {
        var random = SeededRandom(seed: 7)
        let lone = (0..<500).map { _ in SetElement(key: [.address(Self.address(&random, family: random.bool() ? .v4 : .v6))]) }
        // One element per key, as in any set nftables takes: elements differing only in their verdict
        // would tie, and their order would follow the hash seed, which changes from run to run.
        var keys = Set<SetKey>()
        let composite = (0..<500).map { _ in Self.element(&random) }.filter { keys.insert($0.key).inserted }
        // The same address with several ports, and keys that start with a protocol.
        let sameAddress = (0..<100).map { SetElement(key: [.address(.v4(UInt32($0 % 3))), .ports(UInt16(100 - $0)...100)]) }
        let protocolFirst = (0..<100).map { SetElement(key: [.l4Protocol(L4Protocol.allCases[$0 % 3]), .port(UInt16(1000 - $0))]) }
        for elements in [lone, composite, sameAddress, protocolFirst] {
            let set = NamedSet(name: "s", keyType: [.ipv4Address], elements: elements)
            let text = NftTextRenderer.render(Ruleset(table: Table(family: .inet, name: "t", sets: [set])))
            // Keys compared as arrays of their parts: the order `SetKey` must keep.
            let listed = Set(elements).sorted { Array($0.key).lexicographicallyPrecedes(Array($1.key)) }.map(NftTextRenderer.render).joined(separator: ",\n\t\t\t     ")
            #expect(text.contains("\t\telements = { " + listed + " }\n\t}\n"))
        }
    }

    /// How the renderer wrote elements before it wrote bytes: descriptions joined.
    static func described(_ element: SetElement) -> String {
        let key = element.key.map { part -> String in
            switch part {
            case .address(let range):
                if range.lower == range.upper { return "\(range.lower)" }
                if let length = range.prefixLength { return "\(range.lower)/\(length)" }
                return "\(range.lower)-\(range.upper)"
            case .l4Protocol(let proto): return proto.rawValue
            case .ports(let range): return range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
            }
        }.joined(separator: " . ")
        guard case .jump(let chain) = element.verdict else { return key }
        return "\(key) : jump \(chain)"
    }

    /// Addresses with zero groups and bytes far more often than uniform draws would give.
    static func address(_ random: inout SeededRandom, family: IPFamily) -> IPAddress {
        if family == .v4 { return .v4(UInt32(truncatingIfNeeded: random.next()) & random.pick([.max, 0xff00_00ff, 0x0000_ff00, 0])) }
        var value: UInt128 = 0
        for _ in 0..<8 { value = value << 16 | (random.bool() ? 0 : UInt128(random.pick([1, 0xf, 0xa0, 0xfff, 0xffff, UInt16.random(in: 0...UInt16.max, using: &random)]))) }
        return .v6(value)
    }

    static func element(_ random: inout SeededRandom) -> SetElement {
        let family: IPFamily = random.bool() ? .v4 : .v6
        let lower = address(&random, family: family)
        let range: AddressRange
        switch random.int(0...2) {
        case 0: range = AddressRange(lower)
        case 1: range = AddressRange.prefix(of: lower, length: random.int(0...family.bitWidth))
        default: range = AddressRange(lower: lower, upper: max(lower, address(&random, family: family)))
        }
        var key: [KeyPart] = [.address(range)]
        if random.bool() { key.append(.l4Protocol(random.pick(L4Protocol.allCases))) }
        if random.bool() {
            let low = UInt16.random(in: 0...UInt16.max, using: &random)
            key.append(.ports(low...(random.bool() ? low : UInt16.random(in: low...UInt16.max, using: &random))))
        }
        return SetElement(key: SetKey(key), verdict: random.bool() ? .jump("ingress_\(random.int(0...99))") : nil)
    }
}
