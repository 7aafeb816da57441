import IPAddressing
import Ruleset
import Testing
import TestSupport

/// `SetKey` keeps its parts inline, or (keys no compiled set has) partly in an array: whichever it
/// chose, it must read, compare and hash as the array of its parts did.
@Suite("Set keys read as arrays of their parts")
struct SetKeyTests {
    @Test("parts, equality, order and hash match the array of parts", arguments: 0..<2)
    func matchesArrays(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let parts = (0..<600).map { _ in Self.parts(&random) }
        let keys = parts.map { SetKey($0) }
        for (key, parts) in zip(keys, parts) {
            #expect(Array(key) == parts && key.count == parts.count)
            if (1...3).contains(parts.count) {
                #expect(SetKey(parts[0], parts.count > 1 ? parts[1] : nil, parts.count > 2 ? parts[2] : nil) == key)
            }
        }
        for _ in 0..<4_000 {
            let (left, right) = (random.int(0...keys.count - 1), random.int(0...keys.count - 1))
            #expect((keys[left] == keys[right]) == (parts[left] == parts[right]), "\(parts[left]) == \(parts[right])")
            #expect((keys[left] < keys[right]) == parts[left].lexicographicallyPrecedes(parts[right]), "\(parts[left]) < \(parts[right])")
            if keys[left] == keys[right] { #expect(keys[left].hashValue == keys[right].hashValue) }
        }
        #expect(Set(keys).count == Set(parts).count)
    }

    /// Zero to four parts, often equal in their first ones, with addresses also after the first part
    /// (kept in an array) and protocols and ports first.
    static func parts(_ random: inout SeededRandom) -> [KeyPart] {
        let choices: [KeyPart] = [
            .address(.v4(0x0a00_0001)), .address(.v4(0x0a00_0002)), .address(AddressRange(lower: .v4(1), upper: .v4(9))),
            .address(.v6(1)), .l4Protocol(.tcp), .l4Protocol(.udp), .port(80), .port(443), .ports(80...90),
        ]
        let count = random.pick([0, 1, 1, 2, 2, 3, 3, 4])
        return (0..<count).map { position in
            let small = choices.filter { if case .address = $0 { return false } else { return true } }
            return position > 0 && random.int(0...3) > 0 ? random.pick(small) : random.pick(choices)
        }
    }
}
