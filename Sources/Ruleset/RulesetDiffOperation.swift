/// One step of a transaction on the agent's table. `RulesetDiff` produces them in an order the kernel
/// accepts; the netlink layer sends a list of them as one atomic batch. Declarations carry no contents:
/// rules and elements are operations of their own, so a delta can be a single element.
public enum RulesetOperation: Hashable, Sendable {
    case addTable(comment: String?)
    case deleteTable
    /// A chain's declaration (hook, priority, policy, comment); its `rules` are empty.
    case addChain(Chain)
    /// Deletes every rule of the chain.
    case flushChain(String)
    case deleteChain(String)
    /// Appends a rule to the chain.
    case addRule(chain: String, Rule)
    /// A set's declaration; its `elements` are empty.
    case addSet(NamedSet)
    case deleteSet(String)
    /// Deletes every element of the set.
    case flushSet(String)
    /// The set's declaration, holding the elements to add. A one-field interval set is stored as range
    /// boundaries: add to it only when it is new or flushed, with all its elements (as the diff does).
    case addElements(NamedSet)
    /// The set's declaration, holding the elements to delete.
    case deleteElements(NamedSet)
    /// A counter object, starting from zero.
    case addCounter(NamedCounter)
    /// Deletes a counter object, and its values with it.
    case deleteCounter(String)
    /// A limit object, its bucket full.
    case addLimit(NamedLimit)
    /// Deletes a limit object.
    case deleteLimit(String)
}

extension RulesetOperation {
    /// True for operations that only change set or map elements: what pod churn should produce.
    public var isElementUpdate: Bool {
        switch self {
        case .addElements, .deleteElements, .flushSet: return true
        default: return false
        }
    }
}
