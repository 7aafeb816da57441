import Testing
import NetnsLab

/// `Lab.connectionRate`, which the per-packet benchmark reads: it counts answered connections, served
/// or refused, and fails when the node drops one instead of counting a lower rate.
struct ConnectionRateTests {
    @Test func countsAnsweredConnectionsAndFailsWhenTheNodeDropsThem() throws {
        let lab = try Lab(nodes: 1, pods: [LabPodSpec(name: "x/a", node: 1), LabPodSpec(name: "x/b", node: 1)])
        defer { lab.destroy() }
        for (port, family) in [(UInt16(80), LabFamily.v4), (9, .v4), (9, .v6)] {  // 80 listens, 9 refuses
            let rate = try lab.connectionRate(from: "x/a", to: "x/b", port: port, family: family, duration: .milliseconds(200))
            #expect(rate > 100, "port \(port) \(family): \(rate) connections/s")
        }
        let rules = "table inet t {\n chain f {\n type filter hook forward priority 0;\n tcp dport 9 drop\n }\n}\n"
        let load = try lab.run(inNode: 1, ["nft", "-f", "-"], stdin: rules)
        #expect(load.status == 0, "nft: \(load.stderr)")
        #expect(throws: (any Error).self, "a dropped SYN is not an answer") {
            try lab.connectionRate(from: "x/a", to: "x/b", port: 9, family: .v4, duration: .milliseconds(200))
        }
    }
}
