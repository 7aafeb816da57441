/// Source ports for UDP and SCTP probes, handed out round-robin from a random start.
/// Consecutive rounds thus never reuse a 5-tuple that conntrack may still remember
/// from an earlier round (it would count as an established flow, not a new one).
final class PortAllocator: Sendable {
    static let range: ClosedRange<UInt16> = 20_000...60_999
    private let next: Locked<UInt16>

    init() { next = Locked(UInt16.random(in: Self.range)) }

    func take() -> UInt16 {
        next.withLock { port in
            defer { port = port == Self.range.upperBound ? Self.range.lowerBound : port + 1 }
            return port
        }
    }
}
