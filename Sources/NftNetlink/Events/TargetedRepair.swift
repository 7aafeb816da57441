import Ruleset

/// The agent's table as the notifications of foreign commits describe it, so that one diff to the
/// desired ruleset both undoes them and sends the agent's own change, without reading the table back:
///
/// | foreign touch | in the kernel's view | so the diff sends |
/// |---|---|---|
/// | a rule added to or deleted from an agent chain | that chain with other rules | flush + rewrite of the chain |
/// | elements added to or deleted from an agent set | the set flushed first, then empty | its elements again |
/// | a chain, set, counter or limit the agent does not declare | that object | flush and delete it |
/// | anything else: the table, or an agent chain, set or object redeclared or deleted, another object type | – | nothing: read back |
///
/// Counter objects are never touched by a repair, so they keep counting.
struct TargetedRepair {
    /// What the kernel holds, as a base for `RulesetDiff.operations(from:to:)`.
    var kernelView: Ruleset
    /// To send before the diff: sets whose elements someone else changed, emptied.
    var flushes: [RulesetOperation]

    /// nil with the reason when the changes call for a read-back.
    static func make(last: Ruleset, desired: Ruleset, undoing changes: [ForeignChange]) -> Result<TargetedRepair, Structural> {
        let table = last.table, wanted = desired.table
        let own = Names(table), next = Names(wanted)
        var dirtyChains: Set<String> = [], dirtySets: Set<String> = []
        var foreignChains: [String] = [], foreignSets: [String] = [], foreignCounters: [String] = [], foreignLimits: [String] = []
        for change in changes {
            for touch in change.touches {
                let structural = Structural(change: change, touch: touch)
                switch touch.kind {
                case .rule: if own.chains.contains(touch.name) { dirtyChains.insert(touch.name) }
                case .elements: if own.sets.contains(touch.name) { dirtySets.insert(touch.name) }
                case .chain: guard track(touch, in: &foreignChains, own: own.chains, next: next.chains) else { return .failure(structural) }
                case .set: guard track(touch, in: &foreignSets, own: own.sets, next: next.sets) else { return .failure(structural) }
                case .counter: guard track(touch, in: &foreignCounters, own: own.counters, next: next.counters) else { return .failure(structural) }
                case .limit: guard track(touch, in: &foreignLimits, own: own.limits, next: next.limits) else { return .failure(structural) }
                case .table, .object, .flowtable: return .failure(structural)
                }
            }
        }
        var view = last
        let desiredRules = Dictionary(wanted.chains.map { ($0.name, $0.rules) }, uniquingKeysWith: { first, _ in first })
        for index in view.table.chains.indices where dirtyChains.contains(view.table.chains[index].name) {
            // Rules that can never equal the desired ones: the diff flushes the chain and writes it again.
            let chain = view.table.chains[index]
            view.table.chains[index].rules = (desiredRules[chain.name] ?? chain.rules) + [Rule(action: .verdict(.accept), comment: "foreign")]
        }
        for index in view.table.sets.indices where dirtySets.contains(view.table.sets[index].name) {
            view.table.sets[index].elements = []
        }
        view.table.chains += foreignChains.map { Chain(name: $0) }
        view.table.sets += foreignSets.map { NamedSet(name: $0, keyType: [.ipv4Address]) }
        view.table.counters += foreignCounters.map { NamedCounter(name: $0) }
        view.table.limits += foreignLimits.map { NamedLimit(name: $0, packetsPerSecond: 1, burst: 1) }
        return .success(TargetedRepair(kernelView: view, flushes: dirtySets.sorted().map { .flushSet($0) }))
    }

    /// Follows a foreign object by name; false when the name is the agent's (then it was redeclared or
    /// deleted, which a repair cannot tell apart from nothing) or about to be.
    private static func track(_ touch: TableTouch, in foreign: inout [String], own: Set<String>, next: Set<String>) -> Bool {
        guard !own.contains(touch.name), !next.contains(touch.name) else { return false }
        if touch.removed {
            foreign.removeAll { $0 == touch.name }
        } else if !foreign.contains(touch.name) {
            foreign.append(touch.name)
        }
        return true
    }

    /// A foreign change no targeted repair undoes.
    struct Structural: Error, CustomStringConvertible {
        let change: ForeignChange
        let touch: TableTouch

        var description: String {
            "\(touch.removed ? "deleted" : "new") \(touch.kind.rawValue) \(touch.name) by \(change.stamp.command)[\(change.stamp.pid)] gen \(change.stamp.generation)"
        }
    }

    private struct Names {
        let chains: Set<String>, sets: Set<String>, counters: Set<String>, limits: Set<String>

        init(_ table: Table) {
            chains = Set(table.chains.map(\.name))
            sets = Set(table.sets.map(\.name))
            counters = Set(table.counters.map(\.name))
            limits = Set(table.limits.map(\.name))
        }
    }
}
