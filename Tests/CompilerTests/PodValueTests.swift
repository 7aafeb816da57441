import ClusterModel
import IPAddressing
import Testing

/// `Pod` keeps its fields behind one shared reference: it must still behave as a plain value.
@Suite("Pod value semantics")
struct PodValueTests {
    static let original = Pod(namespace: "x", name: "web-0", labels: ["app": "web"], nodeName: "node-1", phase: .running,
                              addresses: [IPAddress("10.0.0.1")!], namedPorts: [NamedPort(name: "http", proto: .tcp, port: 8080)],
                              creationTimestamp: "2026-01-01T00:00:00Z")

    /// Every field, changed on a copy, leaves the original as it was; the copy differs from it.
    static let changes: [(String, @Sendable (inout Pod) -> Void)] = [
        ("namespace", { $0.namespace = "y" }), ("name", { $0.name = "web-1" }), ("labels", { $0.labels["tier"] = "db" }),
        ("nodeName", { $0.nodeName = nil }), ("hostNetwork", { $0.hostNetwork = true }), ("phase", { $0.phase = .failed }),
        ("addresses", { $0.addresses.append(IPAddress("fd00::1")!) }), ("namedPorts", { $0.namedPorts = [] }),
        ("creationTimestamp", { $0.creationTimestamp = "2026-01-02T00:00:00Z" }), ("isPartial", { $0.isPartial = true }),
    ]

    @Test("a changed copy leaves the original alone", arguments: changes.indices)
    func changedCopy(index: Int) {
        let (field, change) = Self.changes[index]
        var copy = Self.original
        change(&copy)
        #expect(copy != Self.original, "\(field)")
        #expect(Self.original.namespace == "x" && Self.original.name == "web-0" && Self.original.labels == ["app": "web"]
                && Self.original.nodeName == "node-1" && !Self.original.hostNetwork && Self.original.phase == .running
                && Self.original.addresses == [IPAddress("10.0.0.1")!] && Self.original.namedPorts.count == 1
                && Self.original.creationTimestamp == "2026-01-01T00:00:00Z" && !Self.original.isPartial, "\(field)")
    }

    @Test("pods built apart with the same fields are equal and hash alike")
    func equalValues() {
        let twin = Pod(namespace: "x", name: "web-0", labels: ["app": "web"], nodeName: "node-1", phase: .running,
                       addresses: [IPAddress("10.0.0.1")!], namedPorts: [NamedPort(name: "http", proto: .tcp, port: 8080)],
                       creationTimestamp: "2026-01-01T00:00:00Z")
        #expect(twin == Self.original)
        #expect(Set([twin, Self.original]).count == 1)
        var changedBack = Self.original
        changedBack.name = "other"
        changedBack.name = "web-0"
        #expect(changedBack == Self.original && changedBack.hashValue == Self.original.hashValue)
    }
}
