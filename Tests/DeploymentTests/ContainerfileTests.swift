import Foundation
import Testing

@Suite struct ContainerfileTests {
    let containerfile: String
    let lines: [String]

    init() throws {
        containerfile = try RepositoryFiles.text("deploy/Containerfile")
        lines = containerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") }
    }

    @Test func buildsOnSwift63AndShipsOnSlimBookworm() {
        let stages = lines.filter { $0.hasPrefix("FROM ") }
        #expect(stages.first == "FROM swift:6.3-bookworm AS build")
        #expect(["FROM debian:bookworm-slim", "FROM swift:6.3-bookworm-slim"].contains(stages.last ?? ""))
        #expect(containerfile.contains("swift build -c release --static-swift-stdlib --product agent"))
        #expect(lines.contains("ENTRYPOINT [\"/usr/local/bin/agent\"]"))
    }

    @Test func theRuntimeImageHasTheSharedLibrariesTheAgentLoads() throws {
        let runtime = try #require(containerfile.components(separatedBy: "\nFROM ").last)
        for package in ["libnftnl11", "libmnl0", "libcurl4", "libstdc++6", "ca-certificates"] {
            #expect(runtime.contains(" \(package)"), "runtime stage installs \(package)")
        }
    }

    /// SwiftPM refuses a manifest whose target folders are missing, so every top-level folder that
    /// Package.swift's targets live in must be copied into the build stage.
    @Test func everyFolderThePackageNeedsIsCopied() throws {
        let manifest = try RepositoryFiles.text("Package.swift")
        let explicit = try Regex(#"path:\s*"([^/"]+)"#)
        var folders: Set<String> = ["Sources"]
        if manifest.contains(".testTarget(") { folders.insert("Tests") }
        for match in manifest.matches(of: explicit) { folders.insert(String(match.output[1].substring ?? "")) }
        let copied = Set(lines.filter { $0.hasPrefix("COPY ") && !$0.contains("--from") }.compactMap {
            $0.split(separator: " ").dropFirst().first.map { String($0.trimmingCharacters(in: CharacterSet(charactersIn: "/"))) }
        })
        #expect(folders.subtracting(copied).isEmpty, "not copied: \(folders.subtracting(copied).sorted())")
        #expect(copied.contains("Package.swift"))
    }
}
