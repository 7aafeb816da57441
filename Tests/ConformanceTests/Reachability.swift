/// Upstream's Reachability: a default, then operations that overwrite cells of the pod × pod table,
/// replayed in order exactly as the e2e code calls them.
struct ReachabilitySpec: Decodable {
    var `default`: Bool
    var ops: [Operation]?

    struct Peer: Decodable {
        var namespace: String?
        var pod: String?

        func matches(_ podString: String) -> Bool {
            let parts = podString.split(separator: "/").map(String.init)
            return (namespace == nil || namespace == parts[0]) && (pod == nil || pod == parts[1])
        }
    }

    struct PeerPair: Decodable { var from: Peer; var to: Peer; var connected: Bool }
    struct PodCells: Decodable { var pod: String; var connected: Bool }
    struct Cell: Decodable { var from: String; var to: String; var connected: Bool }

    struct Operation: Decodable {
        var expectPeer: PeerPair?
        var expectAllIngress: PodCells?
        var expectAllEgress: PodCells?
        var expect: Cell?
        var allowLoopback: [String: String]?
    }

    /// Expected connectivity for every ordered pair of `pods`.
    func truthTable(pods: [String]) -> [Pair: Bool] {
        var table: [Pair: Bool] = [:]
        for from in pods { for to in pods { table[Pair(from: from, to: to)] = self.default } }
        for operation in ops ?? [] {
            if let peers = operation.expectPeer {
                for from in pods where peers.from.matches(from) {
                    for to in pods where peers.to.matches(to) { table[Pair(from: from, to: to)] = peers.connected }
                }
            }
            if let cells = operation.expectAllIngress {
                for from in pods { table[Pair(from: from, to: cells.pod)] = cells.connected }
            }
            if let cells = operation.expectAllEgress {
                for to in pods { table[Pair(from: cells.pod, to: to)] = cells.connected }
            }
            if let cell = operation.expect { table[Pair(from: cell.from, to: cell.to)] = cell.connected }
            if operation.allowLoopback != nil {
                for pod in pods { table[Pair(from: pod, to: pod)] = true }
            }
        }
        return table
    }
}

struct Pair: Hashable, Comparable, CustomStringConvertible {
    var from: String
    var to: String

    var description: String { "\(from) -> \(to)" }

    static func < (lhs: Pair, rhs: Pair) -> Bool { (lhs.from, lhs.to) < (rhs.from, rhs.to) }
}
