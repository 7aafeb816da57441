// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the decoders that read input the agent does not control. A package of its own,
// so that `swift build` of the agent neither builds nor links them; scripts/fuzz builds them with
// `-sanitize=fuzzer,address` (libFuzzer supplies `main`, hence `-parse-as-library`).
let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "netpol-agent-fuzz",
    dependencies: [.package(name: "netpol-agent", path: "..")],
    targets: [
        // Raw bytes of a watch response, cut into chunks two ways.
        .executableTarget(name: "FuzzWatchStream", dependencies: [.product(name: "KubeClient", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // Raw bytes of a LIST response body.
        .executableTarget(name: "FuzzListPage", dependencies: [.product(name: "KubeClient", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // A kubeconfig file.
        .executableTarget(name: "FuzzKubeconfig", dependencies: [.product(name: "KubeClient", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // A manifest file (YAML or JSON), read, validated, compiled and rendered as `--dry-run` does.
        .executableTarget(name: "FuzzManifest",
                          dependencies: [.product(name: "Manifests", package: "netpol-agent"),
                                         .product(name: "ClusterModel", package: "netpol-agent"),
                                         .product(name: "Compiler", package: "netpol-agent"),
                                         .product(name: "Ruleset", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // A JSON manifest's bytes, laid out for the fast path; every layout must be JSON that JSONDecoder reads.
        .executableTarget(name: "FuzzManifestScanner",
                          dependencies: [.product(name: "Manifests", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // Any text as a YAML manifest: where the fast path (libyaml events as JSON) takes it, today's path reads the same.
        .executableTarget(name: "FuzzYAMLTranscoder",
                          dependencies: [.product(name: "Manifests", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // Netlink dump replies of a table read-back (see DumpReplay).
        .executableTarget(name: "FuzzNetlinkDump",
                          dependencies: [.product(name: "NftNetlink", package: "netpol-agent"),
                                         .product(name: "Ruleset", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // One object's bytes, read as each wire type by JSONWireReader; wherever it accepts, JSONDecoder must agree.
        .executableTarget(name: "FuzzWireReader", dependencies: [.product(name: "ClusterModel", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // A watch line's or a LIST page's bytes, read by the envelopes' fast paths as every kind; wherever they accept,
        // JSONDecoder must agree.
        .executableTarget(name: "FuzzEnvelopeReader",
                          dependencies: [.product(name: "KubeClient", package: "netpol-agent"),
                                         .product(name: "ClusterModel", package: "netpol-agent")],
                          swiftSettings: fuzzer),
        // A JSON object validated as a Namespace, a Pod and a NetworkPolicy.
        .executableTarget(name: "FuzzObjectModel", dependencies: [.product(name: "ClusterModel", package: "netpol-agent")],
                          swiftSettings: fuzzer),
    ]
)
