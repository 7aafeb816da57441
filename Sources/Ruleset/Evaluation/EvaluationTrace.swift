/// What one walk of a packet through the table did, step by step: the chains it entered and every
/// rule it tried, with the first match that failed, so a tool can say why a verdict came out.
/// `RulesetEvaluator` produces it in the same walk that gives verdicts; the two cannot disagree.
public struct EvaluationTrace: Hashable, Sendable {
    /// One rule tried, in walk order.
    public struct Step: Hashable, Sendable {
        public var chain: String
        /// The rule's position in its chain.
        public var rule: Int
        public var outcome: Outcome
    }

    public enum Outcome: Hashable, Sendable {
        /// `matches[index]` of the rule did not hold; the walk went on with the next rule.
        case failed(match: Int)
        /// Every match held but the verdict map had no element for the packet; the walk went on.
        case noMapElement
        /// Every match held and the rule took this verdict (`reject` for the reject action).
        case took(Verdict)
        case rejected
    }

    /// The chains entered, in walk order (base chains included).
    public private(set) var chainsEntered: [String] = []
    public private(set) var steps: [Step] = []
    /// The table's verdict on the packet.
    public internal(set) var verdict: PacketVerdict = .accept

    /// The last rule that took a verdict ending the walk (accept, drop, reject); nil when the packet
    /// fell off the end of the base chains (their policy decided).
    public var decidingStep: Step? {
        steps.last { step in
            switch step.outcome {
            case .took(.accept), .took(.drop), .rejected: return true
            default: return false
            }
        }
    }
}

/// Receives the steps of a walk. The evaluator is generic over it, so verdicts alone (`NoTrace`)
/// cost nothing for tracing.
protocol EvaluationObserver {
    mutating func entered(_ chain: String)
    mutating func tried(_ chain: String, rule: Int, outcome: EvaluationTrace.Outcome)
}

struct NoTrace: EvaluationObserver {
    @inline(__always) mutating func entered(_ chain: String) {}
    @inline(__always) mutating func tried(_ chain: String, rule: Int, outcome: EvaluationTrace.Outcome) {}
}

extension EvaluationTrace: EvaluationObserver {
    mutating func entered(_ chain: String) { chainsEntered.append(chain) }
    mutating func tried(_ chain: String, rule: Int, outcome: Outcome) { steps.append(Step(chain: chain, rule: rule, outcome: outcome)) }
}
