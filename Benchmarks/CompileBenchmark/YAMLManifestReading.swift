import BenchmarkSupport
import CYaml
import Foundation
import Glibc
import Manifests

/// `CompileBenchmark yaml [runs]`: the 100k-pod, 10k-policy cluster as YAML Lists, medians of `runs`, in this
/// process: libyaml's bare event loop (the floor under any reader of these files), the fast path (libyaml's
/// events as JSON, parsed on one thread while another decodes), the load `agent --manifests` does with
/// each file's objects built at its end beside built as they are decoded, and today's path (Yams nodes,
/// NodeDecoder); then the whole `agent --dry-run` beside a baseline binary named by BASELINE_AGENT (say, main's).
func compareYAMLManifestReading(runs: Int) throws {
    let cluster = SyntheticCluster.make(pods: 100_000, policies: 10_000)
    let root = NSTemporaryDirectory() + "yaml-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = try ManifestWriter.write(cluster, to: root, as: .yaml)
    let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    let megabytes = Double(contents.reduce(0) { $0 + $1.count }) / 1e6
    print("100000 pods, 10000 policies as YAML Lists (\(String(format: "%.0f", megabytes)) MB). Medians of \(runs) runs.\n")
    print("in this process                      wall ms   CPU ms")
    report("libyaml events only", runs: runs) { for data in contents { _ = eventCount(data) } }
    report("fast path (events as JSON)", runs: runs) {
        for (file, data) in zip(files, contents) {
            guard YAMLManifest.forEachObject(in: data, file: file, { _, _ in }) else { fatalError("\(file): the fast path declined") }
        }
    }
    // The load `agent --manifests` does (decode, validate, build the cluster state), with the objects of a
    // file built once it is read (the fast path's order before it overlapped), and as they are decoded.
    report("load, objects at file end", runs: runs) {
        var builder = ClusterBuilder()
        ManifestReader.forEachDocument(paths: [root]) { _, loaded in
            guard case .success(.object(let object)) = loaded else { fatalError("not loaded") }
            builder.add(object)
        }
        _ = builder.state
    }
    report("load, objects as decoded", runs: runs) {
        let loaded = LoadedManifests(paths: [root])
        guard loaded.errors.isEmpty, loaded.skipped.isEmpty else { fatalError("not loaded") }
    }
    report("today's path (Yams nodes)", runs: runs) {
        for (file, data) in zip(files, contents) { try? ManifestReader.forEachComposedDocument(in: data, file: file) { _, _ in } }
    }

    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let agents = [("agent", directory.appendingPathComponent("agent").path)]
        + (ProcessInfo.processInfo.environment["BASELINE_AGENT"].map { [("baseline", $0)] } ?? [])
    print("\nthe whole agent --dry-run              wall ms   CPU ms  peak RSS MiB")
    for (label, agent) in agents where FileManager.default.isExecutableFile(atPath: agent) {
        let results = try (0..<runs).map { _ in try measured([agent, "--dry-run", "--manifests", root, "--node", "node-0"]) }
        print(String(format: "%@ %8.0f %8.0f %13.0f", label.padding(toLength: 34, withPad: " ", startingAt: 0),
                     median(results.map(\.milliseconds)), median(results.map(\.cpuMilliseconds)), median(results.map(\.peakRSS))))
    }
}

/// Wall and process CPU (user + system, every thread) of `body`, medians of `runs`.
private func report(_ label: String, runs: Int, _ body: () -> Void) {
    let results = (0..<runs).map { _ in
        let (start, cpu) = (ContinuousClock.now, processCPUMilliseconds())
        body()
        return (milliseconds(ContinuousClock.now - start), processCPUMilliseconds() - cpu)
    }
    print(String(format: "%@ %8.0f %8.0f", label.padding(toLength: 34, withPad: " ", startingAt: 0),
                 median(results.map(\.0)), median(results.map(\.1))))
}

private func processCPUMilliseconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
    return ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// libyaml's parser run over the bytes, every event read and freed, nothing else.
private func eventCount(_ data: Data) -> Int {
    data.withUnsafeBytes { bytes in
        var parser = yaml_parser_t()
        yaml_parser_initialize(&parser)
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        var event = yaml_event_t(), count = 0
        while yaml_parser_parse(&parser, &event) == 1 {
            let type = event.type
            yaml_event_delete(&event)
            count += 1
            if type == YAML_STREAM_END_EVENT { break }
        }
        return count
    }
}
