// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ClusterModel (Kubernetes objects) → Compiler → Ruleset (typed nftables model)
// → a renderer (nft text today, netlink next). Manifests loads objects from files for --dry-run.
let package = Package(
    name: "netpol-agent",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "agent", targets: ["Agent"]),
        // For the fuzz targets in Fuzz/, a package of its own that depends on this one by path.
        .library(name: "ClusterModel", targets: ["ClusterModel"]),
        .library(name: "Compiler", targets: ["Compiler"]),
        .library(name: "Ruleset", targets: ["Ruleset"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
        .library(name: "Manifests", targets: ["Manifests"]),
        .library(name: "NftNetlink", targets: ["NftNetlink"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // IPv4/IPv6 addresses, CIDRs and merged address ranges.
        .target(name: "IPAddressing"),
        // Kubernetes objects the enforcer needs, decoded from JSON; validation naming object and field.
        .target(name: "ClusterModel", dependencies: ["IPAddressing"]),
        // The nftables ruleset as typed values, plus its `nft -f` text rendering.
        // Set elements live in persistent hash trees: a changed copy shares all unchanged structure, so
        // comparing and diffing two rulesets costs what changed, not what they hold.
        .target(name: "Ruleset", dependencies: ["IPAddressing", .product(name: "HashTreeCollections", package: "swift-collections")]),
        // Pure policy compiler: cluster state + node name → Ruleset. No I/O.
        .target(name: "Compiler", dependencies: ["IPAddressing", "ClusterModel", "Ruleset", .product(name: "HashTreeCollections", package: "swift-collections")]),
        // Why a connection is allowed or denied: walks the nodes' compiled rulesets (`agent explain`).
        .target(name: "Explain", dependencies: ["IPAddressing", "ClusterModel", "Compiler", "Ruleset"]),
        // Reads manifests (YAML/JSON files, directories, Lists, multi-document YAML).
        .target(name: "Manifests", dependencies: ["ClusterModel", "Compiler", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "Agent",
            dependencies: [
                "ClusterModel", "Compiler", "Ruleset", "Manifests", "IPAddressing", "Explain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "KubeClient", "ClusterCache", "Reconciler", "NftNetlink", "Observability", "SystemdNotify", "CMalloc",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // glibc malloc controls: the agent's memory policy, the watch benchmark's heap figures.
        .target(name: "CMalloc"),
        // libcurl (apt: libcurl4-openssl-dev) and typed wrappers for its variadic setopt/getinfo.
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        // Kubernetes API over libcurl: configuration, credentials, paginated LIST, streaming WATCH, reflectors.
        .target(
            name: "KubeClient",
            dependencies: ["CCurl", "CCurlShim", "ClusterModel", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]
        ),
        // The validated objects compiling needs, kept in sync by the reflectors.
        .target(name: "ClusterCache", dependencies: ["ClusterModel", "Compiler", "KubeClient", .product(name: "Logging", package: "swift-log")]),
        // Coalesces cache changes, recompiles and applies; periodic resync.
        .target(name: "Reconciler", dependencies: ["ClusterCache", "Compiler", "Ruleset", "KubeClient", "NftNetlink", "CMalloc", .product(name: "Logging", package: "swift-log")]),
        // Test support: runs Tests/TestAPIServer/apiserver.py (optionally inside a lab namespace) and drives it.
        .target(name: "FakeAPIServerSupport", dependencies: ["KubeClient"], path: "Tests/KubeClientTests/FakeAPIServerSupport"),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "ClusterModel", "FakeAPIServerSupport", "TestSupport"], exclude: ["FakeAPIServerSupport"]),
        .testTarget(
            name: "ReconcilerTests",
            dependencies: ["Reconciler", "ClusterCache", "KubeClient", "ClusterModel", "Compiler", "Ruleset", "NetnsLab", "IPAddressing",
                           "FakeAPIServerSupport", "NftNetlink", "Agent", "Observability", "TestSupport"]
        ),
        .executableTarget(
            name: "WatchBenchmark",
            dependencies: ["KubeClient", "ClusterCache", "Reconciler", "ClusterModel", "Compiler", "Ruleset", "NftNetlink", "FakeAPIServerSupport",
                           "CMalloc", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/WatchBenchmark"
        ),
        // Benchmarks print figures; they are not tests.
        .target(name: "BenchmarkSupport", dependencies: ["ClusterModel", "Compiler", "IPAddressing"], path: "Benchmarks/BenchmarkSupport"),
        .executableTarget(
            name: "CompileBenchmark",
            dependencies: ["ClusterModel", "Compiler", "Ruleset", "BenchmarkSupport", "Manifests"],
            path: "Benchmarks/CompileBenchmark"
        ),
        // Test support: a cluster of network namespaces (nodes, pods, veths) with real probes.
        .target(name: "NetnsLab", path: "Tests/NetnsLab"),
        .testTarget(name: "NetnsLabTests", dependencies: ["NetnsLab"]),
        .testTarget(name: "TestAPIServerTests", dependencies: []),
        // Test support: a seedable random generator shared by the randomized tests.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CompilerTests", dependencies: ["ClusterModel", "Compiler", "Ruleset", "Manifests", "TestSupport",
                                                      .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ExplainTests", dependencies: ["Explain", "ClusterModel", "Compiler", "IPAddressing", "Manifests"]),
        .testTarget(name: "PropertyTests", dependencies: ["IPAddressing", "ClusterModel", "Compiler", "Ruleset", "TestSupport"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["IPAddressing", "ClusterModel", "Compiler", "Ruleset", "Manifests", "NetnsLab", "NftNetlink", "Explain",
                           .product(name: "Yams", package: "Yams")],
            exclude: ["Cases"]
        ),
        .executableTarget(
            name: "ExplainBenchmark",
            dependencies: ["Compiler", "Explain", "BenchmarkSupport"],
            path: "Benchmarks/ExplainBenchmark"
        ),
        // libnftnl + libmnl (apt: libnftnl-dev, libmnl-dev), for programming nftables over netlink.
        .systemLibrary(name: "CNftables", path: "Sources/CNftables", providers: [.apt(["libnftnl-dev", "libmnl-dev"])]),
        // Ruleset → nftables netlink transactions (full replace or delta), read back, drift repair.
        .target(name: "NftNetlink", dependencies: ["CNftables", "Ruleset", "IPAddressing", .product(name: "HashTreeCollections", package: "swift-collections")]),
        .testTarget(
            name: "NftNetlinkTests",
            dependencies: ["NftNetlink", "Ruleset", "IPAddressing", "ClusterModel", "Compiler", "Manifests", "NetnsLab", "TestSupport", "Explain",
                           "Reconciler", "KubeClient", .product(name: "HashTreeCollections", package: "swift-collections")]
        ),
        .executableTarget(
            name: "NetlinkBenchmark",
            dependencies: ["NftNetlink", "Ruleset", "IPAddressing", "ClusterModel", "Compiler", "BenchmarkSupport", "NetnsLab"],
            path: "Benchmarks/NetlinkBenchmark"
        ),
        // Metrics, health and logs for operators: /metrics, /healthz, /readyz (Hummingbird), JSON logs.
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // sd_notify(3) without libsystemd: READY, STOPPING, STATUS, WATCHDOG.
        .target(name: "SystemdNotify"),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "SystemdNotify", .product(name: "Logging", package: "swift-log")]),
        // Checks deploy/ and systemd/ against the agent's flags and the Kubernetes and systemd tools.
        .testTarget(name: "DeploymentTests", dependencies: ["Agent", "Observability", .product(name: "Yams", package: "Yams")]),
    ]
)
