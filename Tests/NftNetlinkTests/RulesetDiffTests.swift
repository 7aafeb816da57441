import HashTreeCollections
import IPAddressing
import Ruleset
import Testing

/// The diff, without a kernel: what changes produce which operations, in which order.
@Suite struct RulesetDiffTests {
    private static let pods = NamedSet(name: "pods_v4", keyType: [.ipv4Address], elements: [element("10.0.0.1"), element("10.0.0.2")])
    private static let cidr = NamedSet(name: "cidr_v4", keyType: [.ipv4Address], isInterval: true,
                                       elements: [SetElement(key: [.address(CIDR("10.0.0.0/8")!.range)])])
    private static let ingress = NamedSet(name: "ingress_v4", keyType: [.ipv4Address], isVerdictMap: true,
                                          elements: [element("10.0.0.1", .jump("allow")), element("10.0.0.2", .jump("allow"))])
    private static let base = Chain(name: "forward", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept), rules: [
        Rule(matches: [.conntrackState([.established, .related])], action: .verdict(.accept)),
        Rule(action: .verdictMap(fields: [.destinationAddress(.v4)], map: "ingress_v4")),
    ])
    private static let allowed = NamedCounter(name: "allow_web", comment: "allowed by web")
    private static let allow = Chain(name: "allow", comment: "allow", rules: [
        Rule(matches: [.inSet(fields: [.sourceAddress(.v4)], set: "pods_v4")], namedCounter: "allow_web", action: .verdict(.return)),
        Rule(matches: [.inSet(fields: [.sourceAddress(.v4)], set: "cidr_v4"), .l4Protocol(.tcp), .destinationPort(80...80)],
             namedCounter: "allow_web", action: .verdict(.return)),
        Rule(counter: true, namedCounter: "deny_allow", action: .verdict(.drop)),
    ])
    private static let ruleset = Ruleset(table: Table(family: .inet, name: "t", comment: "c", sets: [pods, cidr, ingress],
                                                      counters: [allowed, NamedCounter(name: "deny_allow")], chains: [base, allow]))

    private static func element(_ address: String, _ verdict: Verdict? = nil) -> SetElement {
        SetElement(key: [.address(IPAddress(address)!)], verdict: verdict)
    }

    private func changed(_ change: (inout Table) -> Void) -> Ruleset {
        var table = Self.ruleset.table
        change(&table)
        return Ruleset(table: table)
    }

    @Test func replacementIsTheAtomicReplaceIdiom() {
        let operations = RulesetDiff.replacement(Self.ruleset)
        #expect(Array(operations.prefix(3)) == [.addTable(comment: nil), .deleteTable, .addTable(comment: "c")])
        let kinds = operations.dropFirst(3).map(Kind.init)
        // Chains, then each set with its elements, then counters, then rules.
        #expect(kinds == [.chain, .chain, .set, .elements, .set, .elements, .set, .elements, .counter, .counter]
            + Array(repeating: .rule, count: 5))
        #expect(operations.contains(.addChain(Chain(name: "allow", comment: "allow"))))
    }

    /// The kernel finds a rule's set by walking the table's sets in creation order, so a full write
    /// creates the sets that more rules look up first; ties keep the table's order.
    @Test func replacementCreatesTheMostLookedUpSetsFirst() {
        let shared = Rule(matches: [.inSet(fields: [.sourceAddress(.v4)], set: "cidr_v4")], action: .verdict(.return))
        let ruleset = changed { table in table.chains[1].rules.insert(contentsOf: [shared, shared], at: 0) }
        let created = RulesetDiff.replacement(ruleset).compactMap { operation -> String? in
            if case .addSet(let set) = operation { return set.name }
            return nil
        }
        // cidr_v4: three rules; pods_v4 and ingress_v4 (the forward hook's map): one each.
        #expect(created == ["cidr_v4", "pods_v4", "ingress_v4"])
    }

    @Test func sameRulesetNeedsNothing() {
        #expect(RulesetDiff.operations(from: Self.ruleset, to: Self.ruleset).isEmpty)
    }

    @Test func podChurnIsElementsOnly() {
        let new = changed { table in
            table.sets[0].elements = [Self.element("10.0.0.2"), Self.element("10.0.0.3")]
            table.sets[2].elements = [Self.element("10.0.0.2", .jump("allow")), Self.element("10.0.0.3", .jump("allow"))]
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations == [
            .deleteElements(NamedSet(name: "pods_v4", keyType: [.ipv4Address], elements: [Self.element("10.0.0.1")])),
            .deleteElements(NamedSet(name: "ingress_v4", keyType: [.ipv4Address], isVerdictMap: true,
                                     elements: [Self.element("10.0.0.1", .jump("allow"))])),
            .addElements(NamedSet(name: "pods_v4", keyType: [.ipv4Address], elements: [Self.element("10.0.0.3")])),
            .addElements(NamedSet(name: "ingress_v4", keyType: [.ipv4Address], isVerdictMap: true,
                                  elements: [Self.element("10.0.0.3", .jump("allow"))])),
        ])
    }

    @Test func reorderedElementsNeedNothing() {
        let new = changed { $0.sets[0].elements = TreeSet($0.sets[0].elements.sorted().reversed()) }
        #expect(RulesetDiff.operations(from: Self.ruleset, to: new).isEmpty)
    }

    /// One pod in a set of 100,000: one element, found without hashing the rest.
    @Test func oneElementOfALargeSet() {
        let large = changed { $0.sets[0].elements = TreeSet((0..<100_000).map { SetElement(key: [.address(.v4(0x0a00_0000 + UInt32($0)))]) }) }
        var new = large
        let removed = SetElement(key: [.address(.v4(0x0a00_0000 + 69_999))])
        new.table.sets[0].elements.insert(Self.element("10.200.0.1"))
        new.table.sets[0].elements.remove(removed)
        #expect(RulesetDiff.operations(from: large, to: new) == [
            .deleteElements(NamedSet(name: "pods_v4", keyType: [.ipv4Address], elements: [removed])),
            .addElements(NamedSet(name: "pods_v4", keyType: [.ipv4Address], elements: [Self.element("10.200.0.1")])),
        ])
    }

    /// A key mapped to another verdict is deleted and added again, in that order.
    @Test func changedVerdictIsReplaced() {
        let new = changed { table in
            let first = table.sets[2].elements.sorted()[0]
            table.sets[2].elements.remove(first)
            table.sets[2].elements.insert(SetElement(key: first.key, verdict: .drop))
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations.map(Kind.init) == [.deleteElements, .elements])
    }

    @Test func changedChainIsFlushedAndRewritten() {
        let new = changed { $0.chains[1].rules.removeFirst() }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations == [.flushChain("allow")] + new.table.chains[1].rules.map { .addRule(chain: "allow", $0) })
    }

    /// A one-field interval set is kept as boundaries, so a change refills it whole.
    @Test func changedIntervalSetIsRefilled() {
        let new = changed { $0.sets[1].elements.insert(SetElement(key: [.address(CIDR("192.168.0.0/16")!.range)])) }
        #expect(RulesetDiff.operations(from: Self.ruleset, to: new) == [.flushSet("cidr_v4"), .addElements(new.table.sets[1])])
    }

    /// Rules using a set go before the set does.
    @Test func removedSetGoesAfterItsRules() {
        let new = changed { table in
            table.sets.remove(at: 1)
            table.chains[1].rules.remove(at: 1)
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations.firstIndex(of: .flushChain("allow"))! < operations.firstIndex(of: .deleteSet("cidr_v4"))!)
        #expect(!operations.contains(.addSet(NamedSet(name: "cidr_v4", keyType: [.ipv4Address], isInterval: true))))
    }

    /// A set declared differently is deleted and created again; rules using it follow it.
    @Test func redefinedSetIsRecreatedWithItsRules() {
        let new = changed { $0.sets[0].comment = "now with a comment" }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        var declaration = new.table.sets[0]
        declaration.elements = []
        #expect(operations == [.flushChain("allow"), .deleteSet("pods_v4"), .addSet(declaration), .addElements(new.table.sets[0])]
            + new.table.chains[1].rules.map { .addRule(chain: "allow", $0) })
    }

    /// A chain declared differently is recreated: map elements and rules jumping to it go first and
    /// come back after, even though they did not change.
    @Test func redefinedChainTakesItsReferencesAlong() {
        let new = changed { $0.chains[1].comment = "renamed purpose" }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        let deleteChain = operations.firstIndex(of: .deleteChain("allow"))!
        let addChain = operations.firstIndex(of: .addChain(Chain(name: "allow", comment: "renamed purpose")))!
        let unjump = operations.firstIndex { if case .deleteElements(let set) = $0 { set.name == "ingress_v4" } else { false } }!
        let rejump = operations.firstIndex { if case .addElements(let set) = $0 { set.name == "ingress_v4" } else { false } }!
        #expect(operations.firstIndex(of: .flushChain("allow"))! < deleteChain)
        #expect(unjump < deleteChain && deleteChain < addChain && addChain < rejump)
        #expect(operations.filter { if case .addRule("allow", _) = $0 { true } else { false } }.count == 3)
        #expect(!operations.contains(.flushChain("forward")))
    }

    /// Counters keep their values only while they exist: rewriting the rules that use them, and pod
    /// churn, must leave them alone.
    @Test func unchangedCountersAreLeftAlone() {
        let new = changed { table in
            table.chains[1].rules.removeFirst()
            table.sets[0].elements.insert(Self.element("10.0.0.3"))
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations.contains(.flushChain("allow")))
        #expect(!operations.contains { [.counter, .deleteCounter].contains(Kind($0)) })
    }

    @Test func newCounterComesBeforeItsRules() {
        let new = changed { table in
            table.counters.append(NamedCounter(name: "allow_dns"))
            table.chains[1].rules.insert(Rule(matches: [.l4Protocol(.udp)], namedCounter: "allow_dns", action: .verdict(.return)), at: 0)
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        let firstRule = operations.firstIndex { Kind($0) == .rule }!
        #expect(operations.firstIndex(of: .addCounter(NamedCounter(name: "allow_dns")))! < firstRule)
        #expect(operations.filter { [.counter, .deleteCounter].contains(Kind($0)) } == [.addCounter(NamedCounter(name: "allow_dns"))])
    }

    /// A counter still in use cannot be deleted (EBUSY): the rules using it go first.
    @Test func removedCounterGoesAfterItsRules() {
        let new = changed { table in
            table.counters.removeFirst()
            table.chains[1].rules = table.chains[1].rules.map { $0.counting(into: $0.namedCounter == "allow_web" ? nil : $0.namedCounter) }
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations.firstIndex(of: .flushChain("allow"))! < operations.firstIndex(of: .deleteCounter("allow_web"))!)
        #expect(!operations.contains { Kind($0) == .counter })
    }

    /// A counter declared differently is deleted and created again; rules using it follow it.
    @Test func redefinedCounterIsRecreatedWithItsRules() {
        let new = changed { $0.counters[0].comment = "allowed by web and api" }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        #expect(operations == [.flushChain("allow"), .deleteCounter("allow_web"), .addCounter(new.table.counters[0])]
            + new.table.chains[1].rules.map { .addRule(chain: "allow", $0) })
    }

    @Test func changedTableCommentReplacesTheTable() {
        let new = changed { $0.comment = "other" }
        #expect(RulesetDiff.operations(from: Self.ruleset, to: new) == RulesetDiff.replacement(new))
    }

    @Test func newSetAndChainComeBeforeTheirUsers() {
        let extra = NamedSet(name: "extra", keyType: [.inetService], elements: [SetElement(key: [.port(53)])])
        let new = changed { table in
            table.sets.append(extra)
            table.chains.append(Chain(name: "dns", rules: [Rule(matches: [.inSet(fields: [.destinationPort], set: "extra")],
                                                                action: .verdict(.accept))]))
            table.chains[1].rules.insert(Rule(action: .verdict(.jump("dns"))), at: 0)
        }
        let operations = RulesetDiff.operations(from: Self.ruleset, to: new)
        let firstRule = operations.firstIndex { Kind($0) == .rule }!
        #expect(operations.firstIndex(of: .addChain(Chain(name: "dns")))! < firstRule)
        #expect(operations.firstIndex(of: .addSet(NamedSet(name: "extra", keyType: [.inetService])))! < firstRule)
        #expect(!operations.contains(.flushChain("forward")))
    }
}

/// Operation kinds, to compare shapes of operation lists.
private enum Kind: Equatable {
    case table, chain, flush, rule, set, elements, deleteElements, counter, deleteCounter, other

    init(_ operation: RulesetOperation) {
        switch operation {
        case .addTable, .deleteTable: self = .table
        case .addChain: self = .chain
        case .flushChain: self = .flush
        case .addRule: self = .rule
        case .addSet: self = .set
        case .addElements: self = .elements
        case .deleteElements: self = .deleteElements
        case .addCounter: self = .counter
        case .deleteCounter: self = .deleteCounter
        case .deleteChain, .deleteSet, .flushSet, .addLimit, .deleteLimit: self = .other
        }
    }
}
