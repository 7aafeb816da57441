import ClusterModel
import Compiler
import Foundation
@testable import Manifests
import Testing

/// A large YAML file is parsed on a thread of its own while the reading thread decodes, validates and
/// builds what is written so far. Its objects are tentative until the file ends: if a later object sends
/// the file to today's path, they are taken back and today's path hands on its own.
@Suite("YAML fast path, overlapped")
struct YAMLOverlapTests {
    /// More pods than a batch holds, so that the first batch is handed on before the last pod is parsed,
    /// and padding that takes the file over the size from which it is parsed on another thread. The
    /// first pod's address is invalid (a validation error, on either path), `lastPod` ends the list.
    static func list(lastPod: String, pods: Int = JSONManifest.batchSize + 10) -> String {
        var text = "apiVersion: v1\nkind: List\nitems:\n"
        text += "- {apiVersion: v1, kind: Pod, metadata: {name: bad, namespace: a}, status: {podIP: not-an-ip}, "
            + "padding: \(String(repeating: "x", count: YAMLManifest.overlapFromSize))}\n"
        for index in 0..<pods {
            text += "- {apiVersion: v1, kind: Pod, metadata: {name: p\(index), namespace: a}, status: {podIP: 10.0.\(index / 256).\(index % 256)}}\n"
        }
        return text + "- {apiVersion: v1, kind: Pod, metadata: {name: last, namespace: a}, \(lastPod)}\n"
    }

    /// The valid pods of a `list` that the fast path keeps: all but the first.
    static let validPods = JSONManifest.batchSize + 11

    /// What the reader tells whoever receives the objects, in order.
    enum Step: Equatable {
        case tentative(TentativeObjects)
        case object(String)
    }

    static func steps(_ text: String) -> (taken: Bool, steps: [Step]) {
        var steps: [Step] = []
        let taken = YAMLManifest.forEachObject(in: Data(text.utf8), file: "FILE", tentative: { steps.append(.tentative($0)) }) { source, _ in
            steps.append(.object(source))
        }
        return (taken, steps)
    }

    @Test("a clean large file: every object handed on while the file is parsed, then kept")
    func cleanFileKept() {
        let text = Self.list(lastPod: "spec: {nodeName: n}")
        let (taken, steps) = Self.steps(text)
        #expect(taken)
        let sources = (0..<JSONManifest.batchSize + 12).map { Step.object("FILE#1 items[\($0)]") }
        #expect(steps == [.tentative(.begin)] + sources + [.tentative(.keep)])
        #expect(YAMLManifestOutcome.fast(text) == YAMLManifestOutcome.today(text))
    }

    @Test("a large file whose last object is left to today's path: the objects handed on are taken back")
    func lateDeclineTakenBack() {
        // A float where an integer stands: today's path names the error, the fast path declines.
        let (taken, steps) = Self.steps(Self.list(lastPod: "spec: {containers: [{name: c, ports: [{containerPort: 80.5}]}]}"))
        #expect(!taken)
        #expect(steps.first == .tentative(.begin))
        #expect(steps.count(where: { if case .object = $0 { true } else { false } }) >= JSONManifest.batchSize)
        #expect(steps.last == .tentative(.takeBack))
    }

    @Test("an object the decoder refuses in the first batch stops the parsing thread, which waits on later batches")
    func earlyDeclineStops() {
        let text = Self.list(lastPod: "spec: {nodeName: n}", pods: 4 * JSONManifest.batchSize)
        let (taken, steps) = Self.steps(text.replacingOccurrences(of: "podIP: not-an-ip", with: "podIP: [1]"))
        #expect(!taken)
        #expect(steps.isEmpty)
    }

    @Test("loading a large file left to today's path late: each object and each error once, as today's path loads them")
    func lateDeclineLoadsAsToday() throws {
        try Self.expectLoadsAsToday([Self.list(lastPod: "spec: {containers: [{name: c, ports: [{containerPort: 80.5}]}]}")], errors: 2,
                                    announced: [])
    }

    @Test("loading a large file the fast path reads: objects validated where they were decoded, each error as today's path gives it")
    func cleanFileLoadsAsToday() throws {
        try Self.expectLoadsAsToday([Self.list(lastPod: "spec: {nodeName: n}")], errors: 1, announced: [Self.validPods])
    }

    @Test("a second large file, parsed ahead while the first is read, loads as today's path loads it, clean or left to today's path late")
    func fileParsedAheadLoadsAsToday() throws {
        let clean = Self.list(lastPod: "spec: {nodeName: n}")
        let late = Self.list(lastPod: "spec: {containers: [{name: c, ports: [{containerPort: 80.5}]}]}")
            .replacingOccurrences(of: "namespace: a", with: "namespace: b")
        try Self.expectLoadsAsToday([clean, late], errors: 3, announced: [Self.validPods])
        try Self.expectLoadsAsToday([late, clean], errors: 3, announced: [Self.validPods])
    }

    @Test("only a large YAML file that the JSON path leaves is parsed ahead")
    func whatIsParsedAhead() throws {
        let large = Self.list(lastPod: "spec: {nodeName: n}")
        let ahead = try #require(YAMLManifest.transcodingAhead(of: Data(large.utf8)))
        var objects = 0
        while let batch = ahead.take() { objects += try #require(batch).count }
        #expect(objects == JSONManifest.batchSize + 12)
        #expect(YAMLManifest.transcodingAhead(of: Data(("  {\"a\": \"" + large + "\"}").utf8)) == nil)
        #expect(YAMLManifest.transcodingAhead(of: Data(("\u{FEFF}" + large).utf8)) == nil)
        #expect(YAMLManifest.transcodingAhead(of: Data(String(large.prefix(YAMLManifest.overlapFromSize - 1)).utf8)) == nil)
    }

    /// `LoadedManifests` of the texts, as files of one directory, gives the errors, in order, and the pods
    /// that today's path and validation give; what it hands on alongside is each valid pod once, in order
    /// (none that was taken back), the kept large files' announced first.
    static func expectLoadsAsToday(_ texts: [String], errors count: Int, announced: [Int]) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let files = try texts.enumerated().map { try directory.write("pods-\($0.offset).yaml", $0.element) }
        var handedOn: [Pod] = []
        var upcoming: [Int] = []
        let loaded = LoadedManifests(paths: [directory.path], upcoming: { upcoming.append($0) }, alongside: { object in
            guard case .pod(let pod) = object else {
                Issue.record("not a pod: \(object)")
                return
            }
            handedOn.append(pod)
        })

        var builder = ClusterBuilder()
        var errors: [String] = []
        var valid: [Pod] = []
        for (file, text) in zip(files, texts) {
            try ManifestReader.forEachComposedDocument(in: Data(text.utf8), file: file) { source, decoded in
                switch decoded {
                case .success(.object(let object)):
                    do {
                        let validated = try ValidatedObject(validating: object)
                        builder.add(validated)
                        if case .pod(let pod) = validated { valid.append(pod) }
                    } catch { errors.append("\(source): \(error)") }
                case .success(.skipped): Issue.record("\(source) skipped")
                case .failure(let error): errors.append(error.description)
                }
            }
        }
        #expect(errors.count == count)
        #expect(loaded.errors == errors)
        #expect(loaded.skipped.isEmpty)
        #expect(loaded.cluster.pods == builder.state.pods)
        #expect(handedOn == valid)
        #expect(upcoming == announced)
    }
}
