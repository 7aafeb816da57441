/// Transport protocols NetworkPolicy can name, with their IP protocol numbers.
public enum L4Protocol: String, Hashable, Sendable, Comparable, CaseIterable {
    case tcp, udp, sctp

    public var number: UInt8 {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        case .sctp: return 132
        }
    }

    /// The Kubernetes spelling ("TCP", "UDP", "SCTP"); the API is case-sensitive.
    public init?(kubernetesName: String) {
        switch kubernetesName {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    public var kubernetesName: String { rawValue.uppercased() }

    public static func < (lhs: L4Protocol, rhs: L4Protocol) -> Bool { lhs.number < rhs.number }
}
