import Glibc

/// What happened to live flows after a policy change: when each direction of the flows that had to
/// stop last delivered, and the longest silence of the flows that had to keep passing.
public struct RevocationTiming: Sendable {
    public struct Stop: Sendable {
        public var flow: String
        public var direction: LiveFlow.Direction
        /// From the change to the last delivery (zero when none came after it).
        public var lastDelivery: Duration
    }

    public struct Stall: Sendable {
        public var flow: String
        public var direction: LiveFlow.Direction
        public var longest: Duration
    }

    public var stops: [Stop] = []
    public var stalls: [Stall] = []
    /// Every denied flow went quiet before the deadline.
    public var allStopped = false

    /// Waits until no `denied` flow has delivered anything for `quiet` (at most `deadline` after
    /// `changed`), then reads the timings. A silent client's direction (`clientSends: false`) counts too:
    /// nothing may pass it either.
    public static func measure(denied: [LiveFlow], allowed: [LiveFlow], changed: ContinuousClock.Instant,
                               quiet: Duration = .milliseconds(300), deadline: Duration = .seconds(3)) -> RevocationTiming {
        let directions: [LiveFlow.Direction] = [.clientToServer, .serverToClient]
        var timing = RevocationTiming()
        while true {
            let now = ContinuousClock.now
            let silent = denied.allSatisfy { flow in directions.allSatisfy { (flow.deliveries($0).last ?? changed) < now - quiet } }
            if silent { timing.allStopped = true }
            if silent || now > changed + deadline { break }
            usleep(10_000)
        }
        let end = ContinuousClock.now
        for flow in denied {
            for direction in directions {
                let last = flow.deliveries(direction).last ?? changed
                timing.stops.append(Stop(flow: flow.description, direction: direction, lastDelivery: max(.zero, last - changed)))
            }
        }
        for flow in allowed {
            for direction in directions {
                let times = [changed] + flow.deliveries(direction).filter { $0 > changed } + [end]
                let longest = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
                timing.stalls.append(Stall(flow: flow.description, direction: direction, longest: longest))
            }
        }
        return timing
    }

    /// Each way the timings miss the goals, in words; empty when they meet them.
    public func problems(revokedWithin: Duration, longestStall: Duration) -> [String] {
        (allStopped ? [] : ["denied flows still passed data at the deadline"])
            + stops.filter { $0.lastDelivery >= revokedWithin }.map { "\($0.flow) \($0.direction) delivered \($0.lastDelivery) after the change" }
            + stalls.filter { $0.longest > longestStall }.map { "allowed \($0.flow) \($0.direction) stalled \($0.longest)" }
    }

    /// One line per figure, for the test log.
    public var report: String {
        (stops.map { "revoked \($0.flow) \($0.direction): last delivery \($0.lastDelivery) after the change" }
            + stalls.map { "allowed \($0.flow) \($0.direction): longest stall \($0.longest)" }).joined(separator: "\n")
    }
}
