import IPAddressing
import Ruleset

/// Ingress rules judge traffic arriving at a selected pod; egress rules traffic leaving it.
public enum Direction: String, Hashable, Sendable, CaseIterable {
    case ingress, egress

    /// The address of the selected pod itself, which the dispatch map is keyed by.
    func ownAddress(_ family: IPFamily) -> Field {
        self == .ingress ? .destinationAddress(family) : .sourceAddress(family)
    }

    /// The address of the other side, which peers are matched against.
    func peerAddress(_ family: IPFamily) -> Field {
        self == .ingress ? .sourceAddress(family) : .destinationAddress(family)
    }

    func dispatchMap(_ family: IPFamily) -> String { "\(rawValue)_\(family.rawValue)" }
}
