import Foundation
import Testing

/// The built `agent` binary, run as a user would. `swift build` (or `swift build --build-tests`) puts
/// it in <repo>/.build/debug/agent.
@Suite("agent --dry-run")
struct AgentCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = repository.appendingPathComponent(".build/debug/agent").path
    static let examples = repository.appendingPathComponent("examples/cluster").path

    func agent(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary),
                     "the agent binary is missing at \(Self.binary): run `swift build --product agent` first")
        var env = ProcessInfo.processInfo.environment
        env["NODE_NAME"] = nil
        env.merge(environment) { _, new in new }
        return try ScratchNetns.run([Self.binary] + arguments, environment: env)
    }

    @Test("the example cluster compiles, exits 0, and its output loads with nft -c in a scratch namespace")
    func examplesLoad() throws {
        let result = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("table inet netpol-agent {"))
        #expect(result.stdout.contains("chain forward_hook"))
        #expect(result.stdout.contains("10.244.1.60 : jump ingress_baseline_") && result.stdout.contains("10.244.1.60 : jump egress_admin_"),
                "the example's tiers: \(result.stdout)")
        #expect(result.stderr.contains("note: ") && result.stderr.contains("skipping v1 Service"), "unknown kinds are noted: \(result.stderr)")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("node-1.nft", result.stdout)
        let namespace = try ScratchNetns.create(tag: "cli")
        defer { namespace.remove() }
        let check = try namespace.check(file: file)
        #expect(check.ok, "nft -c -f rejected the agent's output:\n\(check.output)")

        // With the reject action too.
        let reject = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1", "--deny-action", "reject"])
        #expect(reject.status == 0)
        let rejectFile = try directory.write("reject.nft", reject.stdout)
        let rejectCheck = try namespace.check(file: rejectFile)
        #expect(rejectCheck.ok, "\(rejectCheck.output)")
    }

    // Fails on the code before them: "Error: Unknown option '--unknown-pod-ips'".
    @Test("--unknown-pod-ips deny --pod-cidr and --node-egress policy: the output loads with nft -c; a bad CIDR is named")
    func nodeModes() throws {
        let result = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1", "--unknown-pod-ips", "deny",
                                "--pod-cidr", "10.244.1.0/24", "--pod-cidr", "fd00:10:244:1::/64", "--node-egress", "policy"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("chain input_hook"))
        #expect(result.stdout.contains("ip saddr @unknown_pods_v4 drop"), "\(result.stdout)")
        #expect(result.stdout.contains("10.244.1.0-10.244.1.9"), "the pod CIDR less the example's local pods")
        try expectLoads(result.stdout)

        let bad = try agent(["--dry-run", "--manifests", Self.examples, "--unknown-pod-ips", "deny", "--pod-cidr", "10.244.1.0/33"])
        #expect(bad.status != 0 && bad.stderr.contains("--pod-cidr: invalid CIDR \"10.244.1.0/33\""), "\(bad.stderr)")
        let unused = try agent(["--dry-run", "--manifests", Self.examples, "--pod-cidr", "10.244.1.0/24"])
        #expect(unused.status != 0 && unused.stderr.contains("--pod-cidr is read only with --unknown-pod-ips deny"), "\(unused.stderr)")
    }

    /// `nft -c -f` accepts the script in a scratch namespace.
    private func expectLoads(_ script: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("ruleset.nft", script)
        let namespace = try ScratchNetns.create(tag: "cli")
        defer { namespace.remove() }
        let check = try namespace.check(file: file)
        #expect(check.ok, "nft -c -f rejected the agent's output:\n\(check.output)", sourceLocation: sourceLocation)
    }

    // Fails on the code before deny logging: "Error: Unknown option '--log-denied'".
    @Test("--log-denied --nflog-group --log-denied-rate: one limit, logging denies; the output loads with nft -c; rate 0 is refused")
    func denyLogging() throws {
        let result = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1", "--log-denied", "--nflog-group", "7",
                                "--log-denied-rate", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\tlimit deny_log {") && result.stdout.contains("rate 3/second burst 50 packets"))
        #expect(result.stdout.contains(#"limit name "deny_log" log prefix "deny_"#) && result.stdout.contains(" group 7 drop"))
        #expect(result.stdout.contains(#"counter name "deny_log_suppressed" drop"#))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let namespace = try ScratchNetns.create(tag: "cli")
        defer { namespace.remove() }
        let check = try namespace.check(file: try directory.write("logged.nft", result.stdout))
        #expect(check.ok, "\(check.output)")

        let plain = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1"])
        #expect(!plain.stdout.contains("limit") && !plain.stdout.contains(" log "), "off by default")
        let zero = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1", "--log-denied", "--log-denied-rate", "0"])
        #expect(zero.status != 0 && zero.stderr.contains("--log-denied-rate 0"))
    }

    @Test("a bad manifest exits 1 naming the file, the object and the field")
    func badManifest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("bad.yaml", Manifest.policy("broken", ns: "shop", spec: """
            podSelector: {}
            ingress:
            - ports: [{port: 80, endPort: 70}]
            """))
        let result = try agent(["--dry-run", "--manifests", directory.path, "--node", "node-1"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "no ruleset is printed when a manifest is bad")
        #expect(result.stderr.contains(file), "\(result.stderr)")
        #expect(result.stderr.contains("NetworkPolicy shop/broken"), "\(result.stderr)")
        #expect(result.stderr.contains("spec.ingress[0].ports[0].endPort"), "\(result.stderr)")
    }

    @Test("a type error exits 1 naming the file, the object and the field")
    func typeError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("typed.yaml", Manifest.policy("typed", ns: "shop", spec: """
            podSelector: {}
            ingress:
            - ports: [{port: true}]
            """))
        let result = try agent(["--dry-run", "--manifests", file, "--node", "node-1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(file) && result.stderr.contains("NetworkPolicy shop/typed")
                && result.stderr.contains("spec.ingress[0].ports[0].port"), "\(result.stderr)")
    }

    @Test("--node defaults to $NODE_NAME")
    func nodeFromEnvironment() throws {
        let fromEnvironment = try agent(["--dry-run", "--manifests", Self.examples], environment: ["NODE_NAME": "node-2"])
        let explicit = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-2"])
        #expect(fromEnvironment.status == 0 && explicit.status == 0)
        #expect(fromEnvironment.stdout.contains("ruleset for node node-2"))
        #expect(fromEnvironment.stdout == explicit.stdout)
        let other = try agent(["--dry-run", "--manifests", Self.examples, "--node", "node-1"], environment: ["NODE_NAME": "node-2"])
        #expect(other.stdout.contains("ruleset for node node-1"), "--node wins over $NODE_NAME")
        #expect(other.stdout != explicit.stdout)
    }

    @Test("revoked connections are dropped by label bit 100 unless --keep-established; --revocation-label-bit picks the bit")
    func revocationFlags() throws {
        let base = ["--dry-run", "--manifests", Self.examples, "--node", "node-1"]
        #expect(try agent(base).stdout.contains("ct label 100 drop"))
        #expect(try agent(base + ["--revocation-label-bit", "7"]).stdout.contains("ct label 7 drop"))
        let keep = try agent(base + ["--keep-established"])
        #expect(keep.status == 0 && !keep.stdout.contains("ct label"), "\(keep.stderr)")
        let outside = try agent(base + ["--revocation-label-bit", "128"])
        #expect(outside.status != 0 && outside.stderr.contains("--revocation-label-bit 128"), "\(outside.stderr)")
    }

    @Test("without --dry-run or manifests the agent refuses to run")
    func usage() throws {
        #expect(try agent(["--manifests", Self.examples]).status != 0)
        #expect(try agent(["--dry-run"]).status != 0)
    }
}
