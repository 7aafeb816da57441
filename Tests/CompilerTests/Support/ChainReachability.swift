// Shared by CompilerTests and PropertyTests (Tests/PropertyTests/Support holds a symlink to this file).
import Ruleset

extension Ruleset {
    /// Regular chains no base chain reaches through rules' jumps and gotos or verdict map elements.
    var unreachableChains: [String] {
        let chains = Dictionary(table.chains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let maps = Dictionary(table.sets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func target(_ verdict: Verdict?) -> String? {
            switch verdict {
            case .jump(let name)?, .goto(let name)?: return name
            default: return nil
            }
        }
        var reached = Set(table.chains.filter { $0.hook != nil }.map(\.name))
        var pending = Array(reached)
        while let name = pending.popLast() {
            for rule in chains[name]?.rules ?? [] {
                var targets: [String] = []
                switch rule.action {
                case .verdict(let verdict): targets += target(verdict).map { [$0] } ?? []
                case .verdictMap(_, let map): targets += (maps[map]?.elements ?? []).compactMap { target($0.verdict) }
                case .reject: break
                }
                for next in targets where reached.insert(next).inserted { pending.append(next) }
            }
        }
        return table.chains.map(\.name).filter { !reached.contains($0) }
    }
}
