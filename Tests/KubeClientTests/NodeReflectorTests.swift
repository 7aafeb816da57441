import ClusterModel
import FakeAPIServerSupport
import Foundation
import KubeClient
import Logging
import Testing

/// The agent watches only its own Node: LIST and WATCH carry `fieldSelector=metadata.name=NODE`.
struct NodeReflectorTests {
    static func node(_ name: String, podCIDR: String) -> [String: Any] {
        ["kind": "Node", "apiVersion": "v1", "metadata": ["name": name],
         "spec": ["podCIDR": podCIDR, "podCIDRs": [podCIDR]],
         "status": ["addresses": [["type": "InternalIP", "address": "192.0.2.1"]]]]
    }

    // Fails on the code before field selectors: the reflector listed every node (node-2 too).
    @Test func aFieldSelectedReflectorSeesOnlyItsNode() throws {
        let directory = try TemporaryDirectory()
        let (server, connection) = try FakeServerClientTests.start(directory)
        defer { server.stop() }
        try server.apply(Self.node("node-1", podCIDR: "10.244.1.0/24"))
        try server.apply(Self.node("node-2", podCIDR: "10.244.2.0/24"))
        let sink = RecordingSink<NodeObject>()
        let stop = StopToken()
        let reflector = Reflector(NodesResource.self, connection: connection, sink: sink, fieldSelector: "metadata.name=node-1",
                                  logger: Logger(label: "test"))
        let thread = WorkerThread { reflector.run(stop: stop) }
        defer {
            stop.stop()
            thread.join()
        }
        #expect(sink.wait { $0.relists == 1 && $0.names == ["node-1"] })
        try server.apply(Self.node("node-2", podCIDR: "10.244.3.0/24"))
        try server.apply(Self.node("node-1", podCIDR: "10.244.9.0/24"))
        #expect(sink.wait { sink in
            guard case .valid(let node)? = sink.state.withLock({ $0.objects["node-1"] }) else { return false }
            return node.spec?.podCIDRs == ["10.244.9.0/24"]
        })
        // node-2's change came first: had the watch carried it, it would be here by now.
        #expect(sink.names == ["node-1"])
    }
}
