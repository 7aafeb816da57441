import IPAddressing
import Testing
import TestSupport

/// IPv6 text is read from its UTF-8 bytes; it must accept and reject exactly what the Character-based
/// parser it replaced did (kept here as the oracle), value for value.
@Suite("IPAddressing: IPv6 read from bytes")
struct IPv6ByteParsingTests {
    @Test("20,000 random near misses and valid addresses parse as the Character parser parsed them")
    func sameAsCharacterParser() {
        var random = SeededRandom(seed: 0x1b6)
        let alphabet: [String] = ["0", "1", "9", "a", "f", "F", "g", ":", ":", "::", ".", "1.2.3.4", "255", "ffff", "%", " ", "é", "+", "-",
                                  "\u{301}"]
        for _ in 0..<20_000 {
            let text: String
            if random.bool() {
                text = (0..<random.int(0...14)).map { _ in random.pick(alphabet) }.joined()
            } else {
                // A valid address (canonical, or with every group written out), then maybe one edit.
                var written = Array(random.bool() ? "\(IPAddress.v6(UInt128(random.next()) << 64 | UInt128(random.next() >> random.int(0...63))))"
                                                   : (0..<8).map { _ in String(random.int(0...0xffff), radix: 16) }.joined(separator: ":"))
                if random.bool(), !written.isEmpty {
                    let at = random.int(0...(written.count - 1))
                    switch random.int(0...2) {
                    case 0: written.remove(at: at)
                    case 1: written.insert(contentsOf: random.pick(alphabet), at: at)
                    default: written[at] = Character(random.pick(alphabet.filter { $0.count == 1 }))
                    }
                }
                text = String(written)
            }
            #expect(IPAddress(text) == CharacterIPv6.address(text), "\(text)")
        }
    }
}

/// The parser before bytes, Character by Character (only for texts with ":"; IPv4 is read as before).
private enum CharacterIPv6 {
    static func address(_ text: String) -> IPAddress? {
        guard text.utf8.contains(UInt8(ascii: ":")) else { return IPAddress(text) }
        guard let value = parse(Substring(text)) else { return nil }
        return value >> 32 == 0xffff ? .v4(UInt32(truncatingIfNeeded: value)) : .v6(value)
    }

    static func parse(_ text: Substring) -> UInt128? {
        let halves = splitOnDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring, endsAddress: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if endsAddress, index == fields.count - 1, field.contains(".") {
                    guard case .v4(let v4) = IPAddress(field) else { return nil }
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xffff))
                } else {
                    guard (1...4).contains(field.count), field.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                          let group = UInt16(field, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        guard let head = groups(halves[0], endsAddress: halves.count == 1) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1], endsAddress: true), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    static func splitOnDoubleColon(_ text: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex, index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == ":", next < text.endIndex, text[next] == ":" {
                pieces.append(text[start..<index])
                start = text.index(after: next)
                index = start
            } else {
                index = next
            }
        }
        pieces.append(text[start...])
        return pieces
    }
}
