import HashTreeCollections
import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing

/// The kernel sizes the programmer gives large hash sets (`SetSizing`): declared on a full write, kept
/// across deltas, restarts and read-backs, and grown by creating the set again with its rules.
@Suite struct SetSizingTests {
    /// 10.1.0.0 + index; the output hook drops packets to the `blocked` set's addresses.
    private static func address(_ index: Int) -> IPAddress { .v4(0x0a01_0000 + UInt32(index)) }

    private static func ruleset(blocked: Int, small: Int = 10, ranges: Int = 100) -> Ruleset {
        let single = { (range: Range<Int>) in range.map { SetElement(key: [.address(address($0))]) } }
        let blockedSet = NamedSet(name: "blocked", keyType: [.ipv4Address], elements: single(0..<blocked))
        let smallSet = NamedSet(name: "small", keyType: [.ipv4Address], elements: single(50_000..<50_000 + small))
        let rangeSet = NamedSet(name: "ranges", keyType: [.ipv4Address], isInterval: true, elements: (0..<ranges).map { index in
            SetElement(key: [.address(AddressRange(lower: .v4(0x0b00_0000 + UInt32(index) << 8), upper: .v4(0x0b00_0000 + UInt32(index) << 8 | 0x7f)))])
        })
        let output = Chain(name: "output", hook: BaseChainHook(hook: .output, priority: 0, policy: .accept), rules: [
            Rule(matches: [.inSet(fields: [.destinationAddress(.v4)], set: "blocked")], action: .verdict(.drop)),
            Rule(matches: [.inSet(fields: [.destinationAddress(.v4)], set: "small")], action: .verdict(.drop)),
            Rule(matches: [.inSet(fields: [.destinationAddress(.v4)], set: "ranges")], action: .verdict(.drop)),
        ])
        return Ruleset(table: Table(family: .inet, name: "sized", sets: [blockedSet, smallSet, rangeSet], chains: [output]))
    }

    private static func size(of set: String, in listing: String) -> Int? {
        guard let block = listing.components(separatedBy: "set \(set) {").dropFirst().first?.components(separatedBy: "}").first,
              let line = block.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("size ") })
        else { return nil }
        return Int(line.trimmingCharacters(in: .whitespaces).dropFirst("size ".count))
    }

    @Test func freshSizesArePowersOfTwoAtLeastTwiceTheCount() {
        #expect(SetSizing.fresh(0) == nil)
        #expect(SetSizing.fresh(63) == nil)
        #expect(SetSizing.fresh(64) == 128)
        #expect(SetSizing.fresh(65) == 256)
        #expect(SetSizing.fresh(100_000) == 262_144)
    }

    /// A held set keeps its size while its elements fit, even below the smallest sized count; an unsized
    /// one (an earlier agent's table) stays unsized; one that would outgrow its size is sized afresh.
    @Test func heldSetsKeepTheirSizeWhileTheyFit() {
        let unsized = Self.ruleset(blocked: 100)
        let held = SetSizing.sized(unsized, kernel: nil)
        #expect(held.table.sets.map(\.kernelSize) == [256, nil, nil])
        // Unchanged, the set is the kernel's own value: the diff need not compare the two.
        #expect(SetSizing.sized(unsized, kernel: held).table.sets[0].isIdentical(to: held.table.sets[0]))
        #expect(SetSizing.sized(Self.ruleset(blocked: 256), kernel: held).table.sets[0].kernelSize == 256)
        #expect(SetSizing.sized(Self.ruleset(blocked: 10), kernel: held).table.sets[0].kernelSize == 256)
        #expect(SetSizing.sized(Self.ruleset(blocked: 1000), kernel: unsized).table.sets[0].kernelSize == nil)
        #expect(SetSizing.sized(Self.ruleset(blocked: 257), kernel: held).table.sets[0].kernelSize == 1024)
        // Found again after sets created before it, or moved: by name.
        var shifted = Self.ruleset(blocked: 10)
        shifted.table.sets.insert(contentsOf: (0..<6).map { NamedSet(name: "new\($0)", keyType: [.ipv4Address]) }, at: 0)
        #expect(SetSizing.sized(shifted, kernel: held).table.sets.map(\.kernelSize) == Array(repeating: nil, count: 6) + [256, nil, nil])
        var moved = Self.ruleset(blocked: 100)
        moved.table.sets.reverse()
        #expect(SetSizing.sized(moved, kernel: held).table.sets.map(\.kernelSize) == [nil, nil, 256])
        var renamed = Self.ruleset(blocked: 10)
        renamed.table.sets[0].comment = "another declaration"
        #expect(SetSizing.sized(renamed, kernel: held).table.sets[0].kernelSize == nil)
    }

    /// A full write declares the large hash set with a size; the small set and the interval set stay
    /// unsized. The table reads back with the size, and `nft list` shows what the text renderer writes.
    @Test func largeHashSetIsSizedInTheKernel() throws {
        let ruleset = Self.ruleset(blocked: 100)
        try ScratchNamespace.with(2) { namespaces in
            let programmer = try KernelProgrammer(tableName: "sized", netns: namespaces[0].name)
            #expect(try programmer.apply(ruleset).kind == .full)
            let listing = try namespaces[0].nft(["list", "table", "inet", "sized"])
            #expect(Self.size(of: "blocked", in: listing) == 256)
            #expect(Self.size(of: "small", in: listing) == nil)
            #expect(Self.size(of: "ranges", in: listing) == nil)
            let applied = try #require(programmer.lastApplied)
            #expect(applied.table.sets.map(\.kernelSize) == [256, nil, nil])
            try expectSame(ruleset, programmedBy: programmer, in: namespaces[0], freshIn: namespaces[1])
        }
    }

    /// The agent's own sizes are no foreign change: a resync reads the table back and sends nothing, and a
    /// restarted agent takes the table over as it is, sending only the elements that changed.
    @Test func sizedTableReadBackIsNoForeignChange() throws {
        let ruleset = Self.ruleset(blocked: 100)
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "sized", netns: namespaces[0].name)
            try programmer.listen()
            try programmer.apply(ruleset)
            let resync = try programmer.apply(ruleset)
            #expect(resync.readBack == .resync)
            #expect(resync.kind == .unchanged)

            let restarted = try KernelProgrammer(tableName: "sized", netns: namespaces[0].name)
            #expect(try restarted.apply(ruleset).kind == .unchanged)
            let grown = Self.ruleset(blocked: 120)
            let report = try restarted.apply(grown)
            #expect(report.readBack == nil)
            #expect(report.kind == .delta)
            #expect(report.operations.allSatisfy { $0.isElementUpdate }, "\(report.operations)")
            #expect(Self.size(of: "blocked", in: try namespaces[0].nft(["list", "table", "inet", "sized"])) == 256)
        }
    }

    /// Elements that fit the size go in as elements; one more than fits, and the set is deleted and created
    /// again, larger, with the rules that look it up, in one transaction. Packets see the right verdicts
    /// throughout.
    @Test func setOutgrowingItsSizeIsRecreatedWithItsRules() throws {
        try ScratchNamespace.with { namespaces in
            let namespace = namespaces[0].name
            try run(["ip", "-n", namespace, "link", "set", "lo", "up"])
            for index in [0, 255, 256, 299, 300] { try run(["ip", "-n", namespace, "addr", "add", "\(Self.address(index))/32", "dev", "lo"]) }
            let probe = ProbePacket(namespace: namespace)
            let source = Self.address(300)
            func blocked(_ index: Int) throws -> Bool {
                !(try probe.passes(from: source, to: Self.address(index), l4Protocol: .udp, sourcePort: 40000, destinationPort: 53))
            }
            let programmer = try KernelProgrammer(tableName: "sized", netns: namespace)
            try programmer.apply(Self.ruleset(blocked: 100))
            #expect(try blocked(0) && !(try blocked(255)))

            let filled = try programmer.apply(Self.ruleset(blocked: 256))
            #expect(filled.operations.allSatisfy { $0.isElementUpdate }, "\(filled.operations)")
            #expect(try blocked(255) && !(try blocked(256)))

            let grown = try programmer.apply(Self.ruleset(blocked: 257))
            #expect(grown.kind == .delta)
            #expect(grown.commit != nil)
            #expect(grown.operations.contains(.deleteSet("blocked")))
            #expect(grown.operations.contains { operation in
                guard case .addSet(let set) = operation else { return false }
                return set.name == "blocked" && set.kernelSize == 1024
            })
            #expect(grown.operations.contains(.flushChain("output")))
            #expect(grown.operations.count { operation in
                guard case .addRule = operation else { return false }
                return true
            } == 3)
            #expect(try blocked(0) && (try blocked(256)) && !(try blocked(299)))
            #expect(Self.size(of: "blocked", in: try namespaces[0].nft(["list", "table", "inet", "sized"])) == 1024)
            #expect(try programmer.readBack()?.normalized == programmer.lastApplied?.normalized)
        }
    }

    /// What makes the recreate necessary: the kernel refuses an element past a set's size.
    @Test func kernelRefusesElementsPastTheSize() throws {
        try ScratchNamespace.with { namespaces in
            let connection = try NftConnection(netns: namespaces[0].name)
            let table = TableIdentity(name: "sized")
            let set = NamedSet(name: "four", keyType: [.ipv4Address], kernelSize: 4)
            var elements = set
            elements.elements = TreeSet((0..<4).map { SetElement(key: [.address(Self.address($0))]) })
            try connection.commit([.addTable(comment: nil), .addSet(set), .addElements(elements)], table: table)
            elements.elements = [SetElement(key: [.address(Self.address(4))])]
            let error = try #require(throws: NftError.self) { try connection.commit([.addElements(elements)], table: table) }
            #expect("\(error)".contains("Too many open files in system"), "\(error)")
        }
    }

    /// A refused batch that would have grown a set leaves the kernel as it was; the next apply sizes the
    /// set from what the kernel holds and the desired count, and grows it then.
    @Test func retryAfterRefusedBatchSizesFromTheKernel() throws {
        let good = Self.ruleset(blocked: 100)
        var bad = Self.ruleset(blocked: 300)
        bad.table.chains[0].rules.append(Rule(action: .verdict(.jump("no_such_chain"))))
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: "sized", netns: namespaces[0].name)
            try programmer.apply(good)
            #expect(throws: NftError.self) { try programmer.apply(bad) }
            #expect(Self.size(of: "blocked", in: try namespaces[0].nft(["list", "table", "inet", "sized"])) == 256)
            let report = try programmer.apply(Self.ruleset(blocked: 300))
            #expect(report.readBack == .afterFailure)
            #expect(report.kind == .delta)
            #expect(Self.size(of: "blocked", in: try namespaces[0].nft(["list", "table", "inet", "sized"])) == 1024)
        }
    }
}
