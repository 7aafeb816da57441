import Foundation
import NetnsLab

/// One ClusterNetworkPolicy case (see Cases/CNP-FORMAT.md): on the upstream houses model, manifests applied
/// first, then steps of actions and single-pair probes.
struct CNPCase: CaseFile, CustomStringConvertible {
    var name: String
    /// Upstream's `Description`.
    var upstreamDescription: String?
    var source: String?
    var features: [String]?
    var manifests: [String]?
    var steps: [Step]
    /// The file it came from, for messages.
    var file: String = ""

    private enum CodingKeys: String, CodingKey {
        case name, upstreamDescription = "description", source, features, manifests, steps
    }

    struct Step: Decodable {
        var subtest: String
        var actions: [ConformanceCase.Action]?
        var probes: [ProbeSpec]
    }

    /// One upstream `PokeServer` call: `from` connects to `to`'s address, expecting `connected`.
    struct ProbeSpec: Decodable, CustomStringConvertible {
        var from: String
        var to: String
        var `protocol`: String
        /// A port number, or an index into upstream's host network ports (`s.HostNetworkPorts[i]`).
        var port: UInt16?
        var hostNetworkPort: Int?
        /// Only in this family's run (`v4` or `v6`); absent: in both.
        var family: String?
        var connected: Bool

        func probe(family: LabFamily) throws -> Probe {
            guard let proto = ProbeProtocol(rawValue: self.protocol.lowercased()) else { throw CaseError("unknown protocol \(self.protocol)") }
            guard let number = port ?? hostNetworkPort.map({ HousesModel.hostNetworkPorts[$0] }) else {
                throw CaseError("probe \(self): neither port nor hostNetworkPort")
            }
            return Probe(from: from, to: to, port: number, proto: proto, family: family)
        }

        var description: String { "\(from) -> \(to) \(self.protocol)/\(port.map(String.init) ?? "hostNetworkPorts[\(hostNetworkPort ?? -1)]")" }
    }

    var description: String { fileAndName }

    static let casesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases/cnp")
}
