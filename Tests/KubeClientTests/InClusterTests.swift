import Foundation
import KubeClient
import TestSupport
import Testing

struct InClusterTests {
    @Test func serviceAccountFilesAndHost() throws {
        let directory = try TemporaryDirectory()
        try directory.write("token", "t1\n")
        let connection = try #require(InClusterLoader.load(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: directory.path))
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.tls.certificateAuthority == .file("\(directory.path)/ca.crt"))
        #expect(connection.tls.verifyServer)
        #expect(try connection.token?.token() == "t1")
    }

    @Test func ipv6HostIsBracketed() throws {
        let connection = try #require(InClusterLoader.load(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]))
        #expect(connection.server == "https://[fd00::1]:443")
    }

    @Test func notInAPodWithoutBothVariables() {
        #expect(InClusterLoader.load(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1"]) == nil)
        #expect(InClusterLoader.load(environment: ["KUBERNETES_SERVICE_PORT": "443"]) == nil)
    }

    /// The kubelet rotates the projected token: a stale copy is re-read, and so is one the server refused.
    @Test func rotatedTokenIsReadAgain() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("token", "old")
        let source = TokenSource(.file(path: file, fallback: nil), maximumAge: .seconds(3600))
        #expect(try source.token() == "old")
        try directory.write("token", "new")
        #expect(try source.token() == "old", "cached until stale or refused")
        source.invalidate()
        #expect(try source.token() == "new")

        let shortLived = TokenSource(.file(path: file, fallback: nil), maximumAge: .milliseconds(50))
        #expect(try shortLived.token() == "new")
        try directory.write("token", "newer")
        // Re-read once the copy is older than 50 ms (awaited, not slept through).
        #expect(eventually(within: .seconds(2)) { (try? shortLived.token()) == "newer" })
        // Mid-rotation the file may be missing: the last good token is kept.
        try FileManager.default.removeItem(atPath: file)
        shortLived.invalidate()
        #expect(try shortLived.token() == "newer")
        #expect(throws: ConfigError.self) { try TokenSource(.file(path: file, fallback: nil)).token() }
        #expect(try TokenSource(.file(path: file, fallback: "static")).token() == "static")
    }
}
