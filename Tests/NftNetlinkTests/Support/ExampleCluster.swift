import ClusterModel
import Compiler
import Foundation
import IPAddressing
import Manifests
import Ruleset

/// The example cluster under examples/cluster, compiled for node-1 as the agent's --dry-run does.
enum ExampleCluster {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/cluster")

    static func builder() throws -> ClusterBuilder {
        var builder = ClusterBuilder()
        for document in try ManifestReader.read(paths: [directory.path]) {
            if case .object(let object) = try document.decode() { try builder.add(object) }
        }
        return builder
    }

    static func ruleset(_ builder: ClusterBuilder? = nil, tableName: String = "netpol-agent") throws -> Ruleset {
        PolicyCompiler.compile((try builder ?? self.builder()).state, node: "node-1", options: CompilerOptions(tableName: tableName))
    }

    /// With `--unknown-pod-ips deny --pod-cidr 10.244.1.0/24 --pod-cidr fd00:10:244:1::/64 --node-egress policy`.
    static func strictRuleset() throws -> Ruleset {
        let network = NodeNetwork(podCIDRs: [CIDR("10.244.1.0/24")!, CIDR("fd00:10:244:1::/64")!],
                                  addresses: [IPAddress("10.244.1.1")!, IPAddress("fd00:10:244:1::1")!])
        return PolicyCompiler.compile(try builder().state, node: "node-1",
                                      options: CompilerOptions(unknownPodIPs: .deny, nodeEgress: .policy), network: network)
    }
}
