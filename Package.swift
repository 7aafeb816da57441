// swift-tools-version:6.0
import PackageDescription

// Data flows one way: ClusterModel (Kubernetes objects) → Compiler → Ruleset (typed nftables model)
// → a renderer (nft text today, netlink next). Manifests loads objects from files for --dry-run.
let package = Package(
    name: "netpol-agent",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "agent", targets: ["Agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // IPv4/IPv6 addresses, CIDRs and merged address ranges.
        .target(name: "IPAddressing"),
        // Kubernetes objects the enforcer needs, decoded from JSON; validation naming object and field.
        .target(name: "ClusterModel", dependencies: ["IPAddressing"]),
        // The nftables ruleset as typed values, plus its `nft -f` text rendering.
        .target(name: "Ruleset", dependencies: ["IPAddressing"]),
        // Pure policy compiler: cluster state + node name → Ruleset. No I/O.
        .target(name: "Compiler", dependencies: ["IPAddressing", "ClusterModel", "Ruleset"]),
        // Reads manifests (YAML/JSON files, directories, Lists, multi-document YAML).
        .target(name: "Manifests", dependencies: ["ClusterModel", "Compiler", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "Agent",
            dependencies: [
                "ClusterModel", "Compiler", "Ruleset", "Manifests",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks print figures; they are not tests.
        .executableTarget(
            name: "CompileBenchmark",
            dependencies: ["ClusterModel", "Compiler", "Ruleset"],
            path: "Benchmarks/CompileBenchmark"
        ),
        // Test support: a cluster of network namespaces (nodes, pods, veths) with real probes.
        .target(name: "NetnsLab", path: "Tests/NetnsLab"),
        .testTarget(name: "NetnsLabTests", dependencies: ["NetnsLab"]),
        .testTarget(name: "CompilerTests", dependencies: ["ClusterModel", "Compiler", "Ruleset", "Manifests"]),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["IPAddressing", "ClusterModel", "Compiler", "Ruleset", "Manifests", "NetnsLab", .product(name: "Yams", package: "Yams")],
            exclude: ["Cases"]
        ),
        // libnftnl + libmnl (apt: libnftnl-dev, libmnl-dev), for programming nftables over netlink.
        .systemLibrary(name: "CNftables", path: "Sources/CNftables", providers: [.apt(["libnftnl-dev", "libmnl-dev"])]),
        // Ruleset → nftables netlink transactions (full replace or delta), read back, drift repair.
        .target(name: "NftNetlink", dependencies: ["CNftables", "Ruleset", "IPAddressing"]),
        .testTarget(
            name: "NftNetlinkTests",
            dependencies: ["NftNetlink", "Ruleset", "IPAddressing", "ClusterModel", "Compiler", "Manifests"]
        ),
        .executableTarget(
            name: "NetlinkBenchmark",
            dependencies: ["NftNetlink", "Ruleset", "IPAddressing"],
            path: "Benchmarks/NetlinkBenchmark"
        ),
    ]
)
