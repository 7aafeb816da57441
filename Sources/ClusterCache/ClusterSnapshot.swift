import ClusterModel
import Compiler
import KubeClient

/// Everything compiling reads, listed once from the API server (every page) and validated as the
/// cache validates watched objects: an object that cannot be read is replaced by its fail-closed
/// stand-in where it has one, and named in `problems`. ClusterNetworkPolicies and Nodes are listed
/// when the API serves ClusterNetworkPolicies. For one-shot tools (`agent explain`).
public enum ClusterSnapshot {
    public static func list(_ client: APIClient) throws -> (cluster: ClusterState, problems: [String]) {
        var problems: [String] = []
        var cluster = ClusterState(namespaces: try listAll(Namespace.self, client, problems: &problems),
                                   pods: try listAll(Pod.self, client, problems: &problems),
                                   policies: try listAll(NetworkPolicy.self, client, problems: &problems))
        // ClusterNetworkPolicies, and all Nodes for their `nodes` peers, only where the API serves them
        // (discovery, as the agent's watch asks).
        let served = try client.resources(in: ClusterNetworkPoliciesResource.groupVersion)?.serves(ClusterNetworkPoliciesResource.name) ?? false
        if served {
            cluster.clusterPolicies = try listAll(ClusterNetworkPolicy.self, client, problems: &problems)
            cluster.nodes = try listAll(ClusterNode.self, client, problems: &problems)
        }
        return (cluster, problems)
    }

    private static func listAll<Model: CachedModel>(_ model: Model.Type, _ client: APIClient, problems: inout [String]) throws -> [Model] {
        var models: [Model] = []
        var token: String?
        repeat {
            let page = try client.list(Model.Resource.self, limit: 500, continue: token)
            for item in page.items {
                let reason: String
                let object: Model.Resource.Object?
                switch item {
                case .valid(let valid):
                    do throws(ValidationError) {
                        models.append(try Model.validated(valid))
                        continue
                    } catch {
                        (reason, object) = ("\(error.field): \(error.message)", valid)
                    }
                case .invalid(_, let why):
                    (reason, object) = (why, nil)
                }
                let name = Model.key(of: item.metadata).map { "\(Model.Resource.kind) \($0)" } ?? "a \(Model.Resource.kind)"
                if let standIn = Model.failingClosed(object, metadata: item.metadata, reason: reason) {
                    models.append(standIn)
                    problems.append("\(name): \(reason); enforced as \(Model.standInMeaning)")
                } else {
                    problems.append("\(name): \(reason); skipped")
                }
            }
            token = page.continueToken
        } while token != nil
        return models
    }
}
