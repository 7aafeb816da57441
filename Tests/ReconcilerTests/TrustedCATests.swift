import FakeAPIServerSupport
import Foundation
import Glibc
import Testing

/// The agent trusts exactly the CA its kubeconfig names, never the system's store. The store is
/// changed only inside a private mount namespace (`unshare -m`, private propagation): a directory
/// holding another CA is bound over /etc/ssl/certs, which holds both libcurl's compiled-in CA
/// directory and its CA bundle (ca-certificates.crt) on Debian.
struct TrustedCATests {
    /// Failure mode closed: a server whose certificate came from a CA in the system store, not the
    /// configured one, was trusted (libcurl kept loading its CA directory beside the CA blob).
    @Test func caOnlyInTheSystemStoreIsRefused() throws {
        guard geteuid() == 0 else {
            Issue.record("needs root for unshare -m and mount --bind (running as uid \(geteuid()))")
            return
        }
        // The server's certificate comes from CA "B"; the kubeconfig under test names CA "A".
        let served = try DryRunTests.Fixture(), other = try DryRunTests.Fixture()
        let url = served.server.ready.url
        let namingA = "\(served.directory)/names-a.kubeconfig"
        try writeKubeconfig(namingA, server: url, caFile: other.ca, token: "t")

        let store = "\(served.directory)/system-store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let caB = try String(contentsOfFile: served.ca, encoding: .utf8)
        try caB.write(toFile: "\(store)/netpol-test-b.pem", atomically: true, encoding: .utf8)
        try caB.write(toFile: "\(store)/ca-certificates.crt", atomically: true, encoding: .utf8)
        let rehash = try OneShotRun(["openssl", "rehash", store], deadline: .seconds(20))
        try #require(rehash.status == 0, "openssl rehash: \(rehash.stderr)")
        func withBInTheStore(_ command: [String]) -> [String] {
            ["unshare", "-m", "sh", "-c", #"mount --bind "$0" /etc/ssl/certs && exec "$@""#, store] + command
        }

        // The namespace works: curl, trusting only the system store, accepts the server there, and
        // refuses it outside, where the real store is untouched.
        let curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/healthz"]
        let inside = try OneShotRun(withBInTheStore(curl), deadline: .seconds(20))
        try #require(inside.status == 0 && inside.stdout == "200", "curl with B in the store: \(inside.stderr)")
        let outside = try OneShotRun(curl, deadline: .seconds(20))
        try #require(outside.status == 60, "curl with the real store: \(outside.stderr)")

        let refused = try OneShotRun(withBInTheStore(DryRunTests.Fixture.agent(namingA, ["--timeout", "3s"])), deadline: .seconds(30))
        #expect(refused.status != nil && refused.status != 0, "exit \(String(describing: refused.status)):\n\(refused.stderr)")
        #expect(refused.stdout.isEmpty, "no ruleset from a server the configured CA does not vouch for:\n\(refused.stdout)")
        let error = refused.stderr.split(separator: "\n").last { $0.hasPrefix("Error:") }.map(String.init) ?? ""
        #expect(error.contains(url) && error.contains("certificate"), "\(refused.stderr)")

        // Control: naming B itself, the same run in the same store syncs.
        let trusted = try OneShotRun(withBInTheStore(DryRunTests.Fixture.agent(served.kubeconfig, ["--timeout", "10s"])),
                                     deadline: .seconds(30))
        #expect(trusted.status == 0 && trusted.stdout.contains("table inet netpol-agent {"), "\(trusted.stderr)")
    }
}
