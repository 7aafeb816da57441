import Foundation
import Glibc
import KubeClient
import Synchronization

/// A delivery path that is not the bottleneck: a tiny HTTP/1.1 responder on loopback that serves
/// prerecorded LIST pages (the same objects the Python fake server holds) and writes watch lines
/// the moment the benchmark asks, as a kube-apiserver writes an event to its watchers
/// (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go`, `serveWatch`: one JSON line per
/// event, flushed at once). Plain HTTP, no authentication; everything else answers 404.
final class ReplayServer: Sendable {
    /// JSON of each object, by collection path (e.g. "/api/v1/pods"), in list order.
    private let collections: [String: [Data]]
    private let listener: Int32
    let port: UInt16
    private let state = Mutex(State())

    private struct State {
        /// Open watch connections by collection path.
        var watchers: [String: [Int32]] = [:]
        var connections: [Int32] = []
        var threads: [WorkerThread] = []
        var resourceVersion = 1
        var stopped = false
    }

    init(collections: [String: [Data]]) throws {
        self.collections = collections
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 64) == 0 else { throw BenchmarkError("replay server: cannot listen on loopback: errno \(errno)") }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let acceptor = WorkerThread { [self] in acceptLoop() }
        state.withLock { $0.threads.append(acceptor) }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// A kubeconfig naming this server, for the agent binary.
    func writeKubeconfig(to path: String) throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters: [{name: replay, cluster: {server: "\(url)"}}]
            contexts: [{name: replay, context: {cluster: replay}}]
            current-context: replay

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Writes one watch event for `object` to every watcher of `path`; returns the line's bytes.
    @discardableResult
    func send(_ type: String, _ object: [String: Any], to path: String) throws -> Int {
        var object = object
        var metadata = object["metadata"] as? [String: Any] ?? [:]
        let watchers = state.withLock { state in
            state.resourceVersion += 1
            metadata["resourceVersion"] = String(state.resourceVersion)
            return state.watchers[path] ?? []
        }
        object["metadata"] = metadata
        let line = try JSONSerialization.data(withJSONObject: ["type": type, "object": object]) + Data("\n".utf8)
        let chunk = Self.chunk(line)
        for fd in watchers { Self.write(chunk, to: fd) }
        return line.count
    }

    /// Closes every connection and joins the threads.
    func stop() {
        let (connections, threads) = state.withLock { state in
            state.stopped = true
            return (state.connections, state.threads)
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        threads.forEach { $0.join() }
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.append(fd)
                state.threads.append(WorkerThread { [self] in serve(fd) })
                return true
            }
            if !accepted { close(fd) }
        }
    }

    /// Answers requests on one kept-alive connection until the client closes it.
    private func serve(_ fd: Int32) {
        defer {
            state.withLock { $0.connections.removeAll { $0 == fd } }
            close(fd)
        }
        var buffer = Data()
        while let request = Self.readRequest(fd, buffer: &buffer) {
            guard let target = URLComponents(string: request), let items = collections[target.path] else {
                Self.write(Self.response(status: "404 Not Found", body: Data(#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.utf8)), to: fd)
                continue
            }
            let query = Dictionary((target.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
            if query["watch"] == "1" {
                Self.write(Data("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8), to: fd)
                if query["sendInitialEvents"] == "true" { Self.write(initialEvents(items), to: fd) }
                state.withLock { $0.watchers[target.path, default: []].append(fd) }
                // The watch stays open until the client goes away or the server stops.
                var byte: UInt8 = 0
                while recv(fd, &byte, 1, 0) > 0 {}
                state.withLock { $0.watchers[target.path]?.removeAll { $0 == fd } }
                return
            }
            Self.write(Self.response(status: "200 OK", body: page(of: items, query: query)), to: fd)
        }
    }

    /// A WatchList's initial state (KEP-3157; kube-apiserver's cacher, `staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go`,
    /// `processInterval`): every object as ADDED, then a bookmark annotated "k8s.io/initial-events-end".
    private func initialEvents(_ items: [Data]) -> Data {
        let version = state.withLock { $0.resourceVersion }
        var stream = Data()
        for item in items { stream.append(Self.chunk(Data(#"{"type":"ADDED","object":"#.utf8) + item + Data("}\n".utf8))) }
        let end = #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"\#(version)","annotations":{"k8s.io/initial-events-end":"true"}}}}"#
        stream.append(Self.chunk(Data((end + "\n").utf8)))
        return stream
    }

    /// One LIST page: `limit` objects from the offset the `continue` token holds.
    private func page(of items: [Data], query: [String: String]) -> Data {
        let start = Int(query["continue"] ?? "") ?? 0
        let end = min(items.count, start + (Int(query["limit"] ?? "") ?? items.count))
        let next = end < items.count ? #","continue":"\#(end)""# : ""
        var body = Data(#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"\#(next)},"items":["#.utf8)
        for index in start..<end {
            if index > start { body.append(UInt8(ascii: ",")) }
            body.append(items[index])
        }
        body.append(contentsOf: Array("]}".utf8))
        return body
    }

    /// `bytes` as one chunk of a chunked response body.
    private static func chunk(_ bytes: Data) -> Data {
        Data(String(bytes.count, radix: 16).utf8) + Data("\r\n".utf8) + bytes + Data("\r\n".utf8)
    }

    private static func response(status: String, body: Data) -> Data {
        Data("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    /// The target of the next request ("/path?query"), having read its headers; nil at end of stream.
    private static func readRequest(_ fd: Int32, buffer: inout Data) -> String? {
        let end = Data("\r\n\r\n".utf8)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.range(of: end) == nil {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<count])
        }
        let headEnd = buffer.range(of: end)!
        let head = String(decoding: buffer[..<headEnd.lowerBound], as: UTF8.self)
        buffer = Data(buffer[headEnd.upperBound...])
        let requestLine = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
        return requestLine.count >= 2 ? String(requestLine[1]) : nil
    }

    private static func write(_ data: Data, to fd: Int32) {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
