import IPAddressing
import Ruleset

/// Rulesets of a given shape, built from scratch on every call (as a recompile would), so a diff
/// between two of them compares every element rather than shared storage.
struct SyntheticRuleset {
    /// Pod address sets and how many members each has; members are drawn from a pool of pod addresses.
    var sets: Int
    var membersPerSet: Int
    var podPool: Int
    var chains: Int
    var rulesPerChain: Int
    /// Local pods dispatched to chains through the ingress and egress verdict maps.
    var localPods: Int

    static let calico = SyntheticRuleset(sets: 2_000, membersPerSet: 100, podPool: 100_000, chains: 2_000, rulesPerChain: 10,
                                         localPods: 2_000)
    static let large = SyntheticRuleset(sets: 1_000, membersPerSet: 100, podPool: 100_000, chains: 4_000, rulesPerChain: 5,
                                        localPods: 10_000)

    var elementCount: Int { sets * membersPerSet + 2 * localPods }
    var ruleCount: Int { chains * rulesPerChain + 3 }

    /// `extraPod`: one more member in the first set, the delta of one pod.
    func ruleset(extraPod: Bool = false) -> Ruleset {
        var table = Table(family: .inet, name: "bench", comment: "synthetic \(sets) sets, \(chains) chains")
        for index in 0..<sets {
            var members = (0..<membersPerSet).map { SetElement(key: [.address(pod((index * 37 + $0 * 101) % podPool))]) }
            if extraPod, index == 0 { members.append(SetElement(key: [.address(.v4(0x0afe_0001))])) }
            table.sets.append(NamedSet(name: setName(index), keyType: [.ipv4Address], comment: "pods of selector \(index)",
                                       elements: members))
        }
        for direction in ["ingress", "egress"] {
            let elements = (0..<localPods).map { SetElement(key: [.address(pod($0))], verdict: .jump(chainName($0 % chains))) }
            table.sets.append(NamedSet(name: "\(direction)_v4", keyType: [.ipv4Address], isVerdictMap: true, elements: elements))
        }
        table.chains.append(Chain(name: "forward_hook", hook: BaseChainHook(hook: .forward, priority: 0, policy: .accept), rules: [
            Rule(matches: [.conntrackState([.established, .related])], action: .verdict(.accept)),
            Rule(action: .verdictMap(fields: [.sourceAddress(.v4)], map: "egress_v4")),
            Rule(action: .verdictMap(fields: [.destinationAddress(.v4)], map: "ingress_v4")),
        ]))
        for index in 0..<chains {
            let rules = (0..<rulesPerChain - 1).map { rule in
                Rule(matches: [.inSet(fields: [.sourceAddress(.v4)], set: setName((index + rule) % sets)), .l4Protocol(.tcp),
                               .destinationPort(UInt16(8000 + rule)...UInt16(8000 + rule))],
                     action: .verdict(.return), comment: "policy \(index) rule \(rule)")
            }
            table.chains.append(Chain(name: chainName(index), comment: "policies of endpoint group \(index)",
                                      rules: rules + [Rule(counter: true, action: .verdict(.drop), comment: "default deny")]))
        }
        return Ruleset(table: table)
    }

    private func pod(_ index: Int) -> IPAddress { .v4(0x0a00_0000 + UInt32(index)) }
    private func setName(_ index: Int) -> String { "pods_\(index)_v4" }
    private func chainName(_ index: Int) -> String { "pol_\(index)" }
}
