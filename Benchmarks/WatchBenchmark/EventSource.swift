import FakeAPIServerSupport
import Foundation
import KubeClient

/// Where the agent's API events come from: the Python fake API server (whose own work is part of
/// what is measured), or the replay responder (which only writes the line).
protocol EventSource {
    var name: String { get }
    var connection: ClusterConnection { get }
    /// Writes a kubeconfig the agent binary can use.
    func writeKubeconfig(to path: String) throws
    func add(_ pod: [String: Any]) throws
    func delete(_ pod: [String: Any]) throws
}

struct FakeServerSource: EventSource {
    let server: FakeAPIServer
    let kubeconfig: String
    let connection: ClusterConnection
    var name: String { "Python fake API server" }

    init(server: FakeAPIServer, kubeconfig: String) throws {
        self.server = server
        self.kubeconfig = kubeconfig
        connection = try KubeconfigLoader.load(paths: [kubeconfig])
    }

    func writeKubeconfig(to path: String) throws {
        if path != kubeconfig { try FileManager.default.copyItem(atPath: kubeconfig, toPath: path) }
    }

    func add(_ pod: [String: Any]) throws { try server.apply(pod) }

    func delete(_ pod: [String: Any]) throws {
        let metadata = pod["metadata"] as! [String: Any]
        try server.delete(kind: "Pod", namespace: metadata["namespace"] as? String, name: metadata["name"] as! String)
    }
}

struct ReplaySource: EventSource {
    let server: ReplayServer
    static let name = "replay responder"
    var name: String { Self.name }
    var connection: ClusterConnection { ClusterConnection(server: server.url, origin: "replay") }
    func writeKubeconfig(to path: String) throws { try server.writeKubeconfig(to: path) }
    func add(_ pod: [String: Any]) throws { try server.send("ADDED", pod, to: PodsResource.path) }
    func delete(_ pod: [String: Any]) throws { try server.send("DELETED", pod, to: PodsResource.path) }
}
