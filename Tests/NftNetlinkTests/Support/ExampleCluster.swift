import ClusterModel
import Compiler
import Foundation
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
}
