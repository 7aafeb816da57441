import Foundation
import Testing

@Suite struct SystemdUnitTests {
    let unit: String

    init() throws {
        unit = try RepositoryFiles.text("systemd/netpol-agent.service")
    }

    /// `key=value` lines of the unit; a key may repeat.
    func values(_ key: String) -> [String] {
        unit.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    /// systemd-analyze (Debian package `systemd`) on a copy whose ExecStart points at a stub, since
    /// verify wants the binary to exist; it reports bad settings on stderr yet exits 0, so any output fails.
    @Test func systemdAnalyzeVerifyPasses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stub = directory.appendingPathComponent("agent")
        try "#!/bin/sh\n".write(to: stub, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        let copy = directory.appendingPathComponent("netpol-agent.service")
        try unit.replacingOccurrences(of: "ExecStart=/usr/local/bin/agent ", with: "ExecStart=\(stub.path) ")
            .write(to: copy, atomically: true, encoding: .utf8)

        let result = try run(["systemd-analyze", "verify", copy.path], in: directory)
        try #require(result.status != 127, "systemd-analyze is not installed: apt-get install systemd")
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    }

    @Test func runsTheAgentWithTheKubeconfigAndTheFlagsFromTheEnvironmentFile() throws {
        #expect(values("ExecStart") == ["/usr/local/bin/agent --kubeconfig /etc/netpol-agent/kubeconfig $AGENT_ARGS"])
        #expect(values("EnvironmentFile") == ["-/etc/default/netpol-agent"])
        let example = try RepositoryFiles.text("systemd/netpol-agent.env")
        let line = try #require(example.split(separator: "\n").first { $0.hasPrefix("AGENT_ARGS=") })
        let arguments = line.dropFirst("AGENT_ARGS=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            .split(separator: " ").map(String.init)
        _ = try AgentFlags.check(["--kubeconfig", "/etc/netpol-agent/kubeconfig"] + arguments)
    }

    @Test func notifiesSystemdAndIsRestarted() {
        #expect(values("Type") == ["notify"])
        #expect(values("NotifyAccess") == ["main"])
        #expect(values("WatchdogSec").count == 1)
        #expect(values("Restart") == ["always"])
    }

    @Test func holdsNetAdminAndNothingElse() throws {
        #expect(values("CapabilityBoundingSet") == ["CAP_NET_ADMIN"])
        #expect(values("AmbientCapabilities") == ["CAP_NET_ADMIN"])
        #expect(values("NoNewPrivileges") == ["yes"])
        #expect(values("RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6 AF_NETLINK"])
        #expect(values("PrivateNetwork").isEmpty && values("PrivateUsers").isEmpty, "the agent programs the host's namespace")
        for key in ["ProtectHome", "PrivateTmp", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                    "RestrictNamespaces", "LockPersonality", "MemoryDenyWriteExecute"] {
            #expect(values(key) == ["yes"], "\(key)")
        }
        #expect(values("ProtectSystem") == ["strict"])
        #expect(values("SystemCallArchitectures") == ["native"])
        let user = try #require(values("User").first)
        let sysusers = try RepositoryFiles.text("systemd/netpol-agent.sysusers")
        #expect(sysusers.split(separator: "\n").contains { $0.hasPrefix("u \(user) ") }, "systemd/netpol-agent.sysusers creates \(user)")
    }
}
